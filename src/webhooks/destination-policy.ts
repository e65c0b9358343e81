import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import ipaddr from 'ipaddr.js';
import type { LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { AppConfig } from '../common/config/app-config';

/** Where a delivery may connect: the one address that was checked (the connection is pinned to it). */
export interface PinnedAddress {
  address: string;
  family: 4 | 6;
}

export type DestinationCheck = ({ allowed: true } & PinnedAddress) | { allowed: false; reason: string };

export type Resolve = (hostname: string) => Promise<LookupAddress[]>;

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Names that reach the host itself or a cloud metadata service, whatever they resolve to. */
const LOCAL_NAMES = /^(localhost|metadata|metadata\.goog|instance-data)$|\.(localhost|internal)$/;

/** `WEBHOOK_ALLOWED_HOSTS`: comma-separated host names, IP addresses and CIDRs. */
export function parseAllowList(raw: string | undefined): { hosts: Set<string>; ranges: Range[] } {
  const hosts = new Set<string>();
  const ranges: Range[] = [];
  for (const entry of (raw ?? '').split(',').map((e) => e.trim().toLowerCase()).filter(Boolean)) {
    const bare = entry.replace(/^\[(.*)\]$/, '$1');
    if (bare.includes('/')) {
      if (!ipaddr.isValidCIDR(bare)) throw new Error(`WEBHOOK_ALLOWED_HOSTS: ${entry} is not a CIDR like 10.20.0.0/16`);
      ranges.push(ipaddr.parseCIDR(bare));
    } else if (isIP(bare)) {
      const ip = ipaddr.parse(bare);
      ranges.push([ip, ip.kind() === 'ipv4' ? 32 : 128]);
    } else if (/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?$/.test(entry)) {
      hosts.add(entry.replace(/\.$/, ''));
    } else throw new Error(`WEBHOOK_ALLOWED_HOSTS: ${entry} is neither a host name, an IP address nor a CIDR`);
  }
  return { hosts, ranges };
}

/**
 * Which webhook destinations the service may reach. Only globally routable unicast addresses
 * (ipaddr.js `range() === 'unicast'`): private, loopback, link-local (169.254.169.254), CGNAT,
 * unique-local (fd00:ec2::254), multicast, unspecified, reserved, IPv4-mapped and the other IPv6
 * transition forms are refused, as are names of the host itself and of metadata services — unless
 * the operator listed the host or its network in WEBHOOK_ALLOWED_HOSTS (on-premise receivers).
 * Checked at registration and again before every delivery, after DNS resolution; the delivery
 * then connects to the checked address only (a second lookup could answer differently).
 */
@Injectable()
export class WebhookDestinationPolicy {
  /** The DNS edge; replaceable (tests point it at fixed answers). */
  resolve: Resolve = (hostname) => lookup(hostname, { all: true, verbatim: true });

  private readonly allowed: { hosts: Set<string>; ranges: Range[] };
  private readonly httpsOnly: boolean;

  constructor(config: ConfigService<AppConfig, true>) {
    this.allowed = parseAllowList(config.get('WEBHOOK_ALLOWED_HOSTS', { infer: true }));
    this.httpsOnly = config.get('NODE_ENV', { infer: true }) === 'production';
  }

  async check(rawUrl: string): Promise<DestinationCheck> {
    let url: URL;
    try {
      url = new URL(rawUrl);
    } catch {
      return { allowed: false, reason: 'url is not a valid URL' };
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && !this.httpsOnly))
      return { allowed: false, reason: this.httpsOnly ? 'url must use https' : 'url must use http or https' };
    if (url.username || url.password) return { allowed: false, reason: 'url must not carry credentials' };
    // The WHATWG parser has already turned 0x7f.1, 2130706433 and the like into dotted quads.
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '').toLowerCase();
    if (isIP(host)) return this.checkAddress(host, 'url points at');

    const listedByName = this.allowed.hosts.has(host);
    if (!listedByName && LOCAL_NAMES.test(host)) return { allowed: false, reason: 'url names the local host or a metadata service' };
    let answers: LookupAddress[];
    try {
      answers = await this.resolve(host);
    } catch {
      answers = [];
    }
    if (answers.length === 0) return { allowed: false, reason: 'url’s host does not resolve' };
    if (listedByName) return pin(answers[0]);
    // Every answer must pass: a name with one public and one private address is refused.
    for (const a of answers) {
      const verdict = this.checkAddress(a.address, 'url’s host resolves to');
      if (!verdict.allowed) return verdict;
    }
    return pin(answers[0]);
  }

  private checkAddress(address: string, what: string): DestinationCheck {
    const ip = ipaddr.parse(address);
    if (this.allowed.ranges.some(([net, bits]) => net.kind() === ip.kind() && ip.match(net, bits))) return pin({ address, family: isIP(address) });
    const range = ip.range();
    if (range !== 'unicast') return { allowed: false, reason: `${what} a non-public address (${range})` };
    return pin({ address, family: isIP(address) });
  }
}

function pin(a: { address: string; family: number }): DestinationCheck {
  return { allowed: true, address: a.address, family: a.family === 6 ? 6 : 4 };
}
