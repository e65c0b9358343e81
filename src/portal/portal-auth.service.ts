import { Injectable } from '@nestjs/common';
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { hashApiKey } from '../auth/api-key-secret';
import { ApiKeysService } from '../auth/api-keys.service';
import type { Principal } from '../auth/principal';
import { CreatePortalLinkDto, PortalLinkView } from './dto/portal-link.dto';
import { PortalError, PortalErrorCode } from './portal.errors';
import { principalOfSession, PortalSessionsRepository, SessionRow } from './portal-sessions.repository';

/** How long things live. Stripe's portal sessions and Lago's portal URLs use the same orders of magnitude. */
export const PORTAL_LIFETIMES = { linkMinutes: 15, idleMinutes: 30, absoluteHours: 12 };

/** A signed-in browser: the principal it acts as, and its CSRF token. */
export interface PortalSession {
  principal: Principal;
  /** Whose session it is, for the page header (the API key's name, never its secret). */
  label: string;
  csrfToken: string;
  expiresAt: Date;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const secret = () => randomBytes(32).toString('base64url');

/**
 * Portal sign-in. Secrets (link tokens, session ids) are 256 random bits, stored as SHA-256 only.
 * The CSRF token is an HMAC of the session secret: bound to the session, nothing more to store,
 * and unknowable to a page that cannot read the httpOnly cookie.
 */
@Injectable()
export class PortalAuthService {
  constructor(
    private readonly repo: PortalSessionsRepository,
    private readonly apiKeys: ApiKeysService,
  ) {}

  /**
   * `POST /v1/portal-links`. The link's principal is an API key of its own (role and scope checked
   * by the key service, foreign ids 404), whose secret is thrown away: events the customer causes
   * in the portal name that key, and revoking it ends the link's session.
   */
  async issueLink(p: Principal, dto: CreatePortalLinkDto, baseUrl: string): Promise<PortalLinkView> {
    if (dto.role === 'customer' ? !dto.customerId || dto.contractIds : !dto.contractIds || dto.customerId) {
      const field = dto.role === 'customer' ? (dto.customerId ? 'contractIds' : 'customerId') : dto.contractIds ? 'customerId' : 'contractIds';
      throw PortalError.create(PortalErrorCode.SCOPE_REQUIRED, undefined, [
        { field, message: dto.role === 'customer' ? 'a customer link names exactly one customerId' : 'an auditor link names its contractIds' },
      ]);
    }
    const token = secret();
    const minutes = dto.expiresInMinutes ?? PORTAL_LIFETIMES.linkMinutes;
    const { expiresAt } = await this.repo.transaction(async (em) => {
      const key = await this.apiKeys.issue(
        p.vendorId,
        { name: `portal link (${dto.role})`, role: dto.role, customerId: dto.customerId, contractIds: dto.contractIds },
        em,
      );
      return this.repo.insertLink(em, { vendorId: p.vendorId, keyId: key.id, role: dto.role, tokenSha256: sha256(token), issuedByKeyId: p.keyId, minutes });
    });
    return { url: `${baseUrl.replace(/\/$/, '')}/portal/sign-in?token=${token}`, expiresAt: expiresAt.toISOString() };
  }

  /** Consumes a link; answers the new session's cookie secret. */
  async signInWithLink(token: string): Promise<string> {
    const session = secret();
    if (!/^[\w-]{20,100}$/.test(token) || !(await this.repo.consumeLink(sha256(token), sha256(session), PORTAL_LIFETIMES.absoluteHours)))
      throw PortalError.create(PortalErrorCode.LINK_INVALID);
    return session;
  }

  /** The console: an admin key, pasted once, becomes a session; the browser keeps only the cookie. */
  async signInWithAdminKey(apiKey: string): Promise<string> {
    const session = secret();
    const key = apiKey.trim();
    if (!key || key.length > 200 || !(await this.repo.openConsoleSession(hashApiKey(key), sha256(session), PORTAL_LIFETIMES.absoluteHours)))
      throw PortalError.create(PortalErrorCode.CONSOLE_KEY_INVALID);
    return session;
  }

  async resolve(sessionSecret: string | undefined): Promise<PortalSession | null> {
    if (!sessionSecret || sessionSecret.length > 100) return null;
    const row: SessionRow | null = await this.repo.touch(sha256(sessionSecret), PORTAL_LIFETIMES.idleMinutes);
    if (!row) return null;
    return { principal: principalOfSession(row), label: row.key_name, csrfToken: csrfTokenOf(sessionSecret), expiresAt: row.expires_at };
  }

  signOut(sessionSecret: string): Promise<void> {
    return this.repo.end(sha256(sessionSecret));
  }
}

export function csrfTokenOf(sessionSecret: string): string {
  return createHmac('sha256', sessionSecret).update('portal csrf v1').digest('base64url');
}

export function csrfTokenMatches(sessionSecret: string, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const want = Buffer.from(csrfTokenOf(sessionSecret));
  const got = Buffer.from(given);
  return got.length === want.length && timingSafeEqual(got, want);
}
