// The offline verifier of evidence bundles: no Nest, no TypeORM, no database, no network.
// 1. the Ed25519 signature of manifest.json's exact bytes;
// 2. every file's SHA-256 against the manifest (no file missing, none extra);
// 3. the ledger's hash chain from genesis to the manifest's head (src/ledger/chain.ts);
// 4. every outcome's content hash (src/outcomes/outcome-rules.ts);
// 5. every finalized invoice, recomputed with the pricing engine (src/pricing) from the bundle's
//    terms and outcomes, the way src/invoicing/billing-inputs.repository.ts builds the input for
//    a finalized invoice (its recorded outcomes, adjustments for earlier periods, the KPI
//    measurements its trace names). outcomes.csv and invoice-outcomes.csv are both sorted by
//    outcome id and merge-joined as they stream: only per-invoice aggregates are held in memory.
import { parse } from 'csv-parse';
import { createHash, createPublicKey, verify as verifySignature, type KeyObject } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Money } from '../common/money';
import { type BrokenLink, ChainVerifier, entryHash } from '../ledger/chain';
import { checkpointSignatureValid, type LedgerCheckpoint, parseCheckpoint } from '../ledger/checkpoint';
import { localDate, periodStartOf } from '../kernel/calendar';
import { sha256Hex } from '../kernel/canonical-json';
import { csvCellValue } from '../kernel/csv-cell';
import { contentSha256 } from '../outcomes/outcome-rules';
import { PeriodAggregates } from '../pricing/aggregates';
import { priceInvoice } from '../pricing/engine';
import { type FigureMismatch, storedFigureMismatches } from '../pricing/stored-figures';
import { type EarlierPeriodRows, type InvoiceRows, invoicePricingInput } from '../pricing/invoice-inputs';
import { type AggregateMeasure, type CaseRole, caseKeyOf, type CasesMeasure } from '../pricing/charges/measures';
import { CaseBook } from '../pricing/cases';
import { aggregateMeasures, billableOutcomeTypes, breakdownDimensions } from '../pricing/terms';
import { versionForPeriod } from '../pricing/terms-in-force';
import { type PeriodStretch, periodStretches } from '../pricing/amendment';
import { engineRelease, ENGINE_VERSION, VERIFIER_PACKAGE } from '../pricing/version';
import type { InvoiceLine, KpiMeasurement, OutcomeAggregate, PricingResult, Stretch, Terms } from '../pricing/types';
import {
  BUNDLE_FORMAT,
  BundleManifest,
  ContractDocument,
  InvoiceDocument,
  InvoicedPeriod,
  LedgerLine,
  PATHS,
  publicKeyFingerprint,
  TermsDocument,
  type BillingRecord,
  type OutcomeRecord,
} from './bundle-format';
import { ZipReader } from './zip-reader';

export type CheckStatus = 'ok' | 'fail' | 'note';

export interface Check {
  status: CheckStatus;
  /** What was checked: a file, an invoice, an entry, or a whole step. */
  subject: string;
  message: string;
}

export interface VerifyReport {
  ok: boolean;
  /** True only when the signature was checked against a key given by the caller. */
  originProven: boolean;
  checks: Check[];
  /** The first failed check, as "subject: message". */
  firstMismatch: string | null;
  summary: { vendor?: string; scope?: string; range?: string; generatedAt?: string };
}

export interface VerifyOptions {
  /** The vendor's published public key (PEM). Without it, the key inside the bundle is used. */
  publicKeyPem?: string;
  /**
   * Checkpoints kept earlier (parsed JSON, e.g. from GET /v1/ledger/checkpoints/latest, a statement
   * or an older bundle): the bundle's chain must still hold each one's entry with its hash.
   */
  checkpoints?: unknown[];
  /** Public keys (PEM) that may have signed those checkpoints, when a rotation retired them since. */
  checkpointKeyPems?: string[];
}

class Checks {
  readonly list: Check[] = [];
  ok(subject: string, message: string) {
    this.list.push({ status: 'ok', subject, message });
  }
  fail(subject: string, message: string) {
    this.list.push({ status: 'fail', subject, message });
  }
  note(subject: string, message: string) {
    this.list.push({ status: 'note', subject, message });
  }
  get failed(): boolean {
    return this.list.some((c) => c.status === 'fail');
  }
}

export async function verifyBundle(zipPath: string, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const checks = new Checks();
  let originProven = false;
  const summary: VerifyReport['summary'] = {};
  let zip: ZipReader | null = null;
  try {
    try {
      zip = await ZipReader.open(zipPath);
    } catch (e) {
      checks.fail(zipPath, `not a readable ZIP archive (${(e as Error).message})`);
      return report(checks, originProven, summary);
    }
    if (!zip.has(PATHS.manifest)) {
      checks.fail(PATHS.manifest, 'missing: this is not an evidence bundle');
      return report(checks, originProven, summary);
    }
    const manifestBytes = await zip.read(PATHS.manifest);
    let manifest: BundleManifest;
    try {
      manifest = JSON.parse(manifestBytes.toString('utf8'));
      if (manifest.format !== BUNDLE_FORMAT || !Array.isArray(manifest.files)) throw new Error(`format is not ${BUNDLE_FORMAT}`);
    } catch (e) {
      checks.fail(PATHS.manifest, `unreadable (${(e as Error).message})`);
      return report(checks, originProven, summary);
    }
    summary.vendor = `${manifest.vendor?.name} (${manifest.vendor?.id})`;
    summary.scope = manifest.scope?.kind === 'contract' ? `contract ${manifest.scope.contractIds[0]}` : `${manifest.scope?.contractIds?.length} contract(s)`;
    summary.range = `${manifest.range?.from ?? 'contract start'} to ${manifest.range?.to ?? 'export time'}`;
    summary.generatedAt = manifest.generatedAt;

    // The signature first: when the manifest itself is not authentic, nothing it lists can be trusted.
    originProven = await checkSignature(zip, manifestBytes, manifest, opts, checks);
    await checkDigests(zip, manifest, checks);
    const ledger = await checkChain(zip, manifest, checks, await checkpointKeys(zip, opts), opts);
    await checkOutcomesAndInvoices(zip, manifest, ledger, checks);
    return report(checks, originProven, summary);
  } catch (e) {
    checks.fail('bundle', `could not be read to the end (${(e as Error).message})`);
    return report(checks, originProven, summary);
  } finally {
    zip?.close();
  }
}

function report(checks: Checks, originProven: boolean, summary: VerifyReport['summary']): VerifyReport {
  const first = checks.list.find((c) => c.status === 'fail');
  return { ok: !checks.failed, originProven, checks: checks.list, firstMismatch: first ? `${first.subject}: ${first.message}` : null, summary };
}

// ---------------------------------------------------------------------------------------------
// 1. digests

async function sha256Of(stream: Readable): Promise<{ sha256: string; bytes: number }> {
  const h = createHash('sha256');
  let bytes = 0;
  for await (const c of stream) {
    h.update(c as Buffer);
    bytes += (c as Buffer).length;
  }
  return { sha256: h.digest('hex'), bytes };
}

async function checkDigests(zip: ZipReader, manifest: BundleManifest, checks: Checks): Promise<void> {
  let matched = 0;
  const listed = new Set<string>();
  for (const f of manifest.files) {
    listed.add(f.path);
    if (!zip.has(f.path)) {
      checks.fail(f.path, 'listed in the manifest but missing from the bundle');
      continue;
    }
    const got = await sha256Of(await zip.stream(f.path));
    if (got.sha256 !== f.sha256) checks.fail(f.path, `SHA-256 ${got.sha256} ≠ manifest ${f.sha256} (content changed)`);
    else if (got.bytes !== f.bytes) checks.fail(f.path, `${got.bytes} bytes ≠ manifest ${f.bytes}`);
    else matched++;
  }
  for (const name of zip.entries.keys())
    if (!listed.has(name) && name !== PATHS.manifest && name !== PATHS.signature) checks.fail(name, 'in the bundle but not listed in the manifest');
  for (const name of zip.duplicates) checks.fail(name, 'appears more than once in the archive');
  if (matched === manifest.files.length) checks.ok('files', `${matched} files match the manifest (SHA-256)`);
}

// ---------------------------------------------------------------------------------------------
// 2. signature

async function checkSignature(
  zip: ZipReader,
  manifestBytes: Buffer,
  manifest: BundleManifest,
  opts: VerifyOptions,
  checks: Checks,
): Promise<boolean> {
  if (!zip.has(PATHS.signature)) {
    checks.fail(PATHS.signature, 'missing: the manifest is not signed');
    return false;
  }
  let key: KeyObject;
  const given = opts.publicKeyPem !== undefined;
  try {
    if (given) key = createPublicKey(opts.publicKeyPem!);
    else if (zip.has(PATHS.publicKey)) key = createPublicKey((await zip.read(PATHS.publicKey)).toString('utf8'));
    else {
      checks.fail(PATHS.signature, 'no public key: pass --public-key with the key the vendor published');
      return false;
    }
  } catch (e) {
    checks.fail(given ? '--public-key' : PATHS.publicKey, `not a usable public key (${(e as Error).message})`);
    return false;
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    checks.fail(given ? '--public-key' : PATHS.publicKey, `is a ${key.asymmetricKeyType} key, not Ed25519`);
    return false;
  }
  const fingerprint = publicKeyFingerprint(key);
  const sig = Buffer.from((await zip.read(PATHS.signature)).toString('utf8').trim(), 'base64');
  if (!verifySignature(null, manifestBytes, key, sig)) {
    checks.fail(
      PATHS.signature,
      `signature of manifest.json does not verify with key ${fingerprint.slice(0, 16)}… (${given ? 'given with --public-key' : 'from public-key.pem'}): the manifest was changed or signed by another key`,
    );
    return false;
  }
  if (manifest.signature?.publicKeyFingerprint !== fingerprint)
    checks.fail(PATHS.manifest, `names signing key ${manifest.signature?.publicKeyFingerprint} but was signed by ${fingerprint}`);
  if (given) {
    checks.ok('signature', `manifest.json is signed by the given key (Ed25519, fingerprint ${fingerprint})`);
    return true;
  }
  checks.ok('signature', `manifest.json is signed by the key in public-key.pem (fingerprint ${fingerprint})`);
  checks.note(
    'origin',
    'checked only against the key inside the bundle: this proves the bundle is intact, not that the vendor made it. ' +
      'Pass --public-key with the key the vendor published (GET /v1/vendor/signing-key) to prove its origin.',
  );
  return false;
}

// ---------------------------------------------------------------------------------------------
// 3. the hash chain

interface LedgerFacts {
  /** Full entries by reference: invoice id → receivable debit total and currency. */
  invoiceEntries: Map<string, { entryId: string; sequence: string; receivable: string }>;
}

async function* lines(stream: Readable): AsyncIterable<string> {
  let rest = '';
  for await (const chunk of stream) {
    rest += (chunk as Buffer).toString('utf8');
    let i: number;
    while ((i = rest.indexOf('\n')) >= 0) {
      const line = rest.slice(0, i);
      rest = rest.slice(i + 1);
      if (line.length) yield line;
    }
  }
  if (rest.length) yield rest;
}

/** Keys a checkpoint may be signed by: the caller's (proving origin) first, then the bundle's own. */
async function checkpointKeys(zip: ZipReader, opts: VerifyOptions): Promise<Array<{ pem: string; given: boolean }>> {
  const keys = [...(opts.publicKeyPem ? [opts.publicKeyPem] : []), ...(opts.checkpointKeyPems ?? [])].map((pem) => ({ pem, given: true }));
  if (zip.has(PATHS.publicKey)) keys.push({ pem: (await zip.read(PATHS.publicKey)).toString('utf8'), given: false });
  return keys;
}

/**
 * The checkpoints the walk is held to: the bundle's own (it must name the manifest's head) and
 * every kept one, each signed by the vendor. One that cannot be used fails its own check and is
 * left out; the chain is still walked.
 */
function checkpointsToHold(
  manifest: BundleManifest,
  opts: VerifyOptions,
  keys: Array<{ pem: string; given: boolean }>,
  checks: Checks,
): Array<{ checkpoint: LedgerCheckpoint; subject: string }> {
  const held: Array<{ checkpoint: LedgerCheckpoint; subject: string }> = [];
  const signedBy = (c: LedgerCheckpoint) => keys.find((k) => checkpointSignatureValid(c, k.pem));
  const own = `${PATHS.manifest} ledgerCheckpoint`;
  if (manifest.ledgerCheckpoint !== undefined) {
    const parsed = parseCheckpoint(manifest.ledgerCheckpoint);
    if ('problem' in parsed) checks.fail(own, parsed.problem);
    else if (!signedBy(parsed.checkpoint)) checks.fail(own, 'its signature does not verify with the vendor’s key');
    else if (parsed.checkpoint.sequence !== manifest.ledgerHead.sequence || parsed.checkpoint.hash !== manifest.ledgerHead.hash)
      checks.fail(own, `names entry ${parsed.checkpoint.sequence}, not the manifest's head ${manifest.ledgerHead.sequence}`);
    else held.push({ checkpoint: parsed.checkpoint, subject: 'the bundle’s checkpoint' });
  }
  for (const [i, raw] of (opts.checkpoints ?? []).entries()) {
    const subject = `checkpoint ${i + 1}`;
    const parsed = parseCheckpoint(raw);
    if ('problem' in parsed) {
      checks.fail(subject, `not a ledger checkpoint: ${parsed.problem}`);
      continue;
    }
    const c = parsed.checkpoint;
    const key = signedBy(c);
    if (c.vendorId !== manifest.vendor?.id) checks.fail(subject, `is vendor ${c.vendorId}'s, the bundle is vendor ${manifest.vendor?.id}'s`);
    else if (!key)
      checks.fail(subject, `its signature does not verify with any key given (key ${c.publicKeyFingerprint.slice(0, 16)}…): pass that key with --checkpoint-public-key`);
    else {
      if (!key.given) checks.note(subject, 'its signature was checked with the key inside the bundle: pass --public-key to prove it is the vendor’s');
      held.push({ checkpoint: c, subject: `${subject} (entry ${c.sequence}, signed ${c.signedAt})` });
    }
  }
  return held;
}

async function checkChain(
  zip: ZipReader,
  manifest: BundleManifest,
  checks: Checks,
  keys: Array<{ pem: string; given: boolean }> = [],
  opts: VerifyOptions = {},
): Promise<LedgerFacts> {
  const facts: LedgerFacts = { invoiceEntries: new Map() };
  const path = PATHS.ledgerEntries;
  if (!zip.has(path)) {
    checks.fail(path, 'missing');
    return facts;
  }
  const held = checkpointsToHold(manifest, opts, keys, checks);
  // The walk is the ledger's own (ChainVerifier); this only words its verdict for a person.
  const walk = new ChainVerifier();
  for (const h of held) walk.expect(h.checkpoint);
  let entries = 0;
  let broken: string | null = null;
  for await (const text of lines(await zip.stream(path))) {
    let e: LedgerLine;
    try {
      e = JSON.parse(text);
    } catch {
      broken = `line ${entries + 1} is not JSON`;
      break;
    }
    entries++;
    const before = walk.head;
    const link = walk.push(e);
    if (link) {
      broken = brokenLinkMessage(link, e, before, held);
      break;
    }
    if (!e.redacted && e.reference.type === 'invoice' && e.kind === 'invoice_finalized') {
      const receivable = e.lines.filter((l) => l.account.startsWith('receivable:'));
      const net = receivable.reduce((acc, l) => acc.plus(l.debit ?? '0').minus(l.credit ?? '0'), new Money(0));
      facts.invoiceEntries.set(e.reference.id, { entryId: e.id, sequence: e.sequence, receivable: net.toFixed() });
    }
  }
  if (broken) {
    checks.fail(path, broken);
    return facts;
  }
  const head = manifest.ledgerHead;
  const end = walk.head;
  const beyond = walk.report().firstBroken;
  if (beyond?.reason === 'checkpoint_beyond_head') {
    const h = held.find((x) => x.checkpoint.sequence === beyond.sequence)!;
    checks.fail(path, `the chain ends at entry ${end.sequence}, before entry ${beyond.sequence} that ${h.subject} names: history was cut back`);
    return facts;
  }
  if (end.sequence !== head.sequence || end.hash !== head.hash) {
    checks.fail(path, `the chain ends at entry ${end.sequence} (hash ${end.hash.slice(0, 16)}…) but the manifest's head is ${head.sequence} (${head.hash.slice(0, 16)}…)`);
    return facts;
  }
  const redacted = walk.redacted;
  checks.ok(
    'ledger',
    `hash chain verified: ${entries} entries from genesis to head ${head.sequence} (${head.hash.slice(0, 16)}…)` +
      (redacted ? `, ${redacted} of other contracts checked by their links only` : ''),
  );
  for (const h of held) checks.ok('checkpoint', `${h.subject}: the chain extends it (entry ${h.checkpoint.sequence} still has hash ${h.checkpoint.hash.slice(0, 16)}…)`);
  return facts;
}

function brokenLinkMessage(
  link: BrokenLink,
  e: LedgerLine,
  before: { sequence: string; hash: string },
  held: Array<{ checkpoint: LedgerCheckpoint; subject: string }>,
): string {
  const at = `entry ${e.sequence} (${e.id})`;
  switch (link.reason) {
    case 'sequence_gap':
      return `entry ${link.sequence} is missing (found ${e.sequence} next)`;
    case 'prev_hash_mismatch':
      return `${at}: prev_hash ${e.prevHash.slice(0, 16)}… does not link to entry ${before.sequence}'s hash ${before.hash.slice(0, 16)}…`;
    case 'hash_mismatch':
      return `${at}: hash ${e.hash.slice(0, 16)}… ≠ recomputed ${e.redacted ? '?' : entryHash(e.prevHash, e).slice(0, 16)}… (content changed)`;
    case 'unbalanced':
      return `${at}: debits and credits do not balance`;
    case 'checkpoint_mismatch': {
      const h = held.find((x) => x.checkpoint.sequence === String(e.sequence) && x.checkpoint.hash !== e.hash);
      return `${at}: hash ${e.hash.slice(0, 16)}… ≠ ${h?.checkpoint.hash.slice(0, 16)}… that ${h?.subject ?? 'a checkpoint'} signed: history was rewritten`;
    }
    case 'checkpoint_beyond_head':
    case 'checkpoint_signature_invalid':
      return `${at}: ${link.reason}`;
  }
}

// ---------------------------------------------------------------------------------------------
// 4–5. outcomes and invoices

/** An earlier invoiced period, or one stretch of it when an amendment split it: the dates [from, to) its outcomes belong to. */
type EarlierSlice = InvoicedPeriod & { terms: Terms; billable: Set<string>; from: string; to: string; segment?: Stretch };

interface InvoiceWork {
  doc: InvoiceDocument;
  path: string;
  contract: ContractDocument;
  terms: Terms;
  billable: Set<string>;
  dims: string[];
  measures: AggregateMeasure[];
  earlier: EarlierSlice[];
  current: PeriodAggregates;
  /** A period split by an amendment: each stretch with its version's terms and its own aggregates. */
  stretches: Array<PeriodStretch<{ id: string; effectiveFrom: string }> & { terms: Terms; billable: Set<string>; aggs: PeriodAggregates }> | null;
  /** slice start (an earlier period's, or its stretch's) → effect → aggregates of this invoice's links to it. */
  delta: Map<string, Map<number, PeriodAggregates>>;
  /** slice start → what other invoices finalized before this one billed (and did not take back). */
  billed: Map<string, PeriodAggregates>;
  kpiIds: Set<string>;
  kpis: Array<{ periodStart: string; kpi: KpiMeasurement }>;
  /** Charge once per case: per `cases` measure, its cases as this invoice sees them (added to the aggregates after the stream). */
  cases: Array<{ m: CasesMeasure; book: CaseBook<CaseTarget> }>;
  error: string | null;
}

/** Where a case's charge goes: the aggregates an outcome was added to, with its dimensions. */
interface CaseTarget {
  set: PeriodAggregates;
  dimensions: Record<string, unknown>;
}

async function* csvRecords<T>(stream: Readable): AsyncIterable<T> {
  yield* stream.pipe(parse({ columns: true, relax_column_count: false, skip_empty_lines: true, cast: (v) => csvCellValue(v) })) as AsyncIterable<T>;
}

/** Pull-based cursor over an async iterable, for merge joins. */
class Cursor<T> {
  private it: AsyncIterator<T>;
  current: T | undefined;
  done = false;
  constructor(src: AsyncIterable<T>) {
    this.it = src[Symbol.asyncIterator]();
  }
  async next(): Promise<void> {
    const r = await this.it.next();
    this.done = !!r.done;
    this.current = r.done ? undefined : r.value;
  }
}

async function readJson<T>(zip: ZipReader, path: string): Promise<T> {
  return JSON.parse((await zip.read(path)).toString('utf8')) as T;
}

/** The 16 bytes of a uuid, as uuid_send gives them. */
export function uuidBytes(id: string): Buffer {
  return Buffer.from(id.replace(/-/g, ''), 'hex');
}

async function checkOutcomesAndInvoices(zip: ZipReader, manifest: BundleManifest, ledger: LedgerFacts, checks: Checks): Promise<void> {
  // Contracts, terms, invoices: small documents, read whole.
  const contracts = new Map<string, ContractDocument>();
  const terms = new Map<string, TermsDocument>();
  for (const id of manifest.scope.contractIds) {
    if (!zip.has(PATHS.contract(id))) {
      checks.fail(PATHS.contract(id), 'missing');
      continue;
    }
    const c = await readJson<ContractDocument>(zip, PATHS.contract(id));
    contracts.set(c.id, c);
    for (const t of c.termsVersions) {
      if (!zip.has(t.path)) {
        checks.fail(t.path, 'missing');
        continue;
      }
      const doc = await readJson<TermsDocument>(zip, t.path);
      terms.set(doc.id, doc);
    }
  }

  const work: InvoiceWork[] = [];
  /** Invoice numbers by the other engine versions that priced them: this verifier cannot recompute those. */
  const otherEngines = new Map<string, string[]>();
  for (const name of [...zip.entries.keys()].filter((n) => n.startsWith('invoices/')).sort()) {
    const doc = await readJson<InvoiceDocument>(zip, name);
    const contract = contracts.get(doc.contractId);
    const tv = terms.get(doc.termsVersionId);
    const w: InvoiceWork = {
      doc,
      path: name,
      contract: contract!,
      terms: tv?.terms as Terms,
      billable: new Set(),
      dims: [],
      measures: [],
      earlier: [],
      current: new PeriodAggregates([]),
      stretches: null,
      delta: new Map(),
      billed: new Map(),
      kpiIds: new Set(),
      kpis: [],
      cases: [],
      error: null,
    };
    work.push(w);
    if (!contract) {
      w.error = `its contract ${doc.contractId} is not in the bundle`;
      continue;
    }
    if (!tv) {
      w.error = `its terms version ${doc.termsVersionId} is not in the bundle`;
      continue;
    }
    const inForce = versionForPeriod(contract.termsVersions, { start: doc.periodStart, end: doc.periodEnd });
    if (inForce?.id !== doc.termsVersionId) {
      w.error = `priced with terms version ${tv.version}, but ${inForce ? `version ${inForce.version}` : 'no version'} is in force for ${doc.periodLabel}`;
      continue;
    }
    if (sha256Hex(doc.traceJson) !== doc.traceDigest) {
      w.error = `traceJson does not hash to its traceDigest ${doc.traceDigest.slice(0, 16)}…`;
      continue;
    }
    const engine = pricedWith(doc);
    if ('error' in engine) {
      w.error = engine.error;
      continue;
    }
    if (engine.version !== ENGINE_VERSION) {
      // Another engine may price the same inputs differently (that is what a new version means):
      // recomputing with this one would report a mismatch that is not there.
      otherEngines.set(engine.version, [...(otherEngines.get(engine.version) ?? []), doc.number]);
      w.error = `not recomputed: priced with engine ${engineRelease(engine.version)}`;
      continue;
    }
    w.billable = new Set(billableOutcomeTypes(tv.terms).keys());
    const termsOf = (id: string) => terms.get(id)?.terms;
    const split = periodStretches(contract.termsVersions, { start: doc.periodStart, end: doc.periodEnd });
    if (split?.some((st) => !termsOf(st.version.id))) {
      w.error = `a terms version in force during ${doc.periodLabel} is not in the bundle`;
      continue;
    }
    const earlier = (contract.invoicedPeriods ?? []).filter((p) => p.periodStart < doc.periodStart);
    for (const p of earlier) {
      const t = terms.get(p.termsVersionId);
      if (!t) {
        w.error = `the terms version ${p.termsVersionId} of earlier invoice ${p.number} is not in the bundle`;
        break;
      }
      // A split period's stretches, as billing cuts them (src/pricing/amendment.ts).
      const stretches = periodStretches(contract.termsVersions, { start: p.periodStart, end: p.periodEnd });
      if (!stretches) {
        w.earlier.push({ ...p, terms: t.terms, billable: new Set(billableOutcomeTypes(t.terms).keys()), from: p.periodStart, to: p.periodEnd });
        continue;
      }
      for (const { version, readFrom, ...segment } of stretches) {
        const st = termsOf(version.id);
        if (!st) {
          w.error = `a terms version in force during earlier invoice ${p.number} is not in the bundle`;
          break;
        }
        w.earlier.push({ ...p, terms: st, billable: new Set(billableOutcomeTypes(st).keys()), from: readFrom, to: segment.end, segment });
      }
    }
    if (w.error) continue;
    const stretchTerms = (split ?? []).map((st) => termsOf(st.version.id)!);
    const allTerms = [tv.terms, ...stretchTerms, ...w.earlier.map((p) => p.terms)];
    w.dims = breakdownDimensions(allTerms);
    w.measures = aggregateMeasures(allTerms);
    w.current = new PeriodAggregates(w.dims, w.measures);
    w.stretches = split?.map((st, i) => ({ ...st, terms: stretchTerms[i], billable: new Set(billableOutcomeTypes(stretchTerms[i]).keys()), aggs: new PeriodAggregates(w.dims, w.measures) })) ?? null;
    w.cases = w.measures.flatMap((m) => (m.kind === 'cases' ? [{ m, book: new CaseBook<CaseTarget>() }] : []));
    try {
      const trace = JSON.parse(doc.traceJson) as { lines?: Array<{ guarantee?: { measurementId?: string | null } }> };
      for (const l of trace.lines ?? []) if (typeof l.guarantee?.measurementId === 'string') w.kpiIds.add(l.guarantee.measurementId);
    } catch {
      w.error = 'traceJson is not JSON';
    }
  }
  for (const [version, numbers] of otherEngines)
    checks.fail('engine', `${engineMismatch(version)} (to recompute ${numbers.join(', ')})`);
  const finalizedAt = new Map<string, string>();
  for (const c of contracts.values()) for (const p of c.invoicedPeriods ?? []) finalizedAt.set(p.id, p.finalizedAt);
  const kpiWanted = new Map<string, InvoiceWork[]>();
  for (const w of work) for (const id of w.kpiIds) kpiWanted.set(id, [...(kpiWanted.get(id) ?? []), w]);
  const byContract = new Map<string, InvoiceWork[]>();
  for (const w of work) if (!w.error) byContract.set(w.doc.contractId, [...(byContract.get(w.doc.contractId) ?? []), w]);

  // Stream outcomes.csv with its billing links (both sorted by outcome id).
  let outcomes = 0;
  let badContent: string | null = null;
  let orphanLink: string | null = null;
  let order: string | null = null;
  if (!zip.has(PATHS.outcomes) || !zip.has(PATHS.invoiceOutcomes)) {
    checks.fail(!zip.has(PATHS.outcomes) ? PATHS.outcomes : PATHS.invoiceOutcomes, 'missing');
    return;
  }
  const links = new Cursor(csvRecords<BillingRecord>(await zip.stream(PATHS.invoiceOutcomes)));
  await links.next();
  let prevId = '';
  for await (const o of csvRecords<OutcomeRecord>(await zip.stream(PATHS.outcomes))) {
    outcomes++;
    if (o.id <= prevId && !order) order = `outcome ${o.id} is out of order`;
    prevId = o.id;
    const mine: BillingRecord[] = [];
    while (!links.done && links.current!.outcome_id <= o.id) {
      if (links.current!.outcome_id < o.id) orphanLink ??= `links outcome ${links.current!.outcome_id}, which is not in outcomes.csv`;
      else mine.push(links.current!);
      await links.next();
    }
    let dimensions: Record<string, unknown>;
    try {
      dimensions = JSON.parse(o.dimensions || '{}');
    } catch {
      badContent ??= `outcome ${o.id}: dimensions are not JSON`;
      continue;
    }
    const expected = contentSha256({
      type: o.type,
      quantity: o.quantity || null,
      value: o.value || null,
      occurredAt: o.occurred_at,
      dimensions: dimensions as Record<string, string>,
      evidenceSha256: o.evidence_sha256 || null,
      evidenceUri: o.evidence_uri || null,
      correctsOutcomeId: o.corrects_outcome_id || null,
    });
    if (expected !== o.content_sha256) badContent ??= `outcome ${o.id} (${o.external_id}): content hash ${o.content_sha256.slice(0, 16)}… ≠ recomputed ${expected.slice(0, 16)}…`;

    const invoices = byContract.get(o.contract_id);
    const kpiFor = kpiWanted.get(o.id);
    if (!invoices && !kpiFor) continue;
    const contract = contracts.get(o.contract_id);
    if (!contract) continue;
    const day = localDate(new Date(o.occurred_at), contract.timezone);
    if (kpiFor)
      for (const w of kpiFor)
        w.kpis.push({
          periodStart: periodStartOf(day, contract.billingCycle),
          kpi: { kpi: o.type, value: new Money(o.quantity || o.value).toFixed(), outcomeId: o.id, occurredAt: o.occurred_at },
        });
    if (!invoices) continue;
    const idBytes = uuidBytes(o.id);
    for (const w of invoices) {
      const own = mine.filter((l) => l.invoice_id === w.doc.id);
      const before = (l: BillingRecord) => l.invoice_id !== w.doc.id && (finalizedAt.get(l.invoice_id) ?? '9999') < w.doc.finalizedAt;
      const billedBefore = mine.some((l) => l.effect === '1' && before(l)) && !mine.some((l) => l.effect === '-1' && before(l));
      // Charge once per case: what this outcome says of its case, whatever its period (billing's caseChargeSql reads the same).
      const sight = (role: CaseRole | undefined, target?: CaseTarget, period?: string) => {
        for (const c of w.cases)
          if (c.m.outcomeType === o.type)
            c.book.see({
              case: caseKeyOf(c.m.dimension, { id: o.id, dimensions }),
              id: o.id,
              occurredAt: o.occurred_at,
              role,
              period,
              liveBefore: billedBefore,
              liveAfter: (billedBefore && !own.some((l) => l.effect === '-1')) || own.some((l) => l.effect === '1'),
              target,
            });
      };
      sight(undefined);
      // This period: what the invoice recorded (+1), of a billable type, occurring in the period (or in a stretch of it).
      if (own.some((l) => l.effect === '1')) {
        const st = w.stretches?.find((x) => day >= x.readFrom && day < x.end && x.billable.has(o.type));
        const set = !w.stretches ? (w.billable.has(o.type) && day >= w.doc.periodStart && day < w.doc.periodEnd ? w.current : null) : (st?.aggs ?? null);
        if (set) {
          set.add(o, dimensions, idBytes, day);
          sight('current', { set, dimensions });
        }
      }
      const p = w.earlier.find((e) => day >= e.from && day < e.to && e.billable.has(o.type));
      if (!p) continue;
      // Changes to an earlier period that this invoice billed.
      for (const l of own) {
        const effect = Number(l.effect);
        let byEffect = w.delta.get(p.from);
        if (!byEffect) w.delta.set(p.from, (byEffect = new Map()));
        let set = byEffect.get(effect);
        if (!set) byEffect.set(effect, (set = new PeriodAggregates(w.dims, w.measures)));
        set.add(o, dimensions, idBytes, day);
        sight(effect === 1 ? 'late' : 'reversal', { set, dimensions });
      }
      // What other invoices finalized before this one had billed of that period and not taken back.
      if (billedBefore) {
        let set = w.billed.get(p.from);
        if (!set) w.billed.set(p.from, (set = new PeriodAggregates(w.dims, w.measures)));
        set.add(o, dimensions, idBytes, day);
        sight('billed', { set, dimensions }, p.from);
      }
    }
  }
  while (!links.done) {
    orphanLink ??= `links outcome ${links.current!.outcome_id}, which is not in outcomes.csv`;
    await links.next();
  }
  if (order) checks.fail(PATHS.outcomes, order);
  if (orphanLink) checks.fail(PATHS.invoiceOutcomes, orphanLink);
  if (badContent) checks.fail(PATHS.outcomes, badContent);
  if (outcomes !== manifest.counts.outcomes) checks.fail(PATHS.outcomes, `${outcomes} rows ≠ manifest count ${manifest.counts.outcomes}`);
  else if (!badContent && !orphanLink && !order) checks.ok('outcomes', `${outcomes} outcomes: every content hash matches`);

  // Each case's charge, now that all its outcomes were seen, on the aggregates of the outcome that carries it.
  for (const w of work)
    for (const c of w.cases) for (const { target } of c.book.charged()) target!.set.addCaseCharge(c.m.outcomeType, target!.dimensions, c.m.dimension);

  // Recompute each invoice.
  let recomputed = 0;
  for (const w of work) {
    const label = w.path;
    if (w.error) {
      checks.fail(label, w.error);
      continue;
    }
    let result;
    try {
      result = repriceInvoice(invoiceRowsOf(w));
    } catch (e) {
      checks.fail(label, `the engine refused the rebuilt input (${(e as Error).message})`);
      continue;
    }
    if (!result.ok) {
      checks.fail(label, `recomputation refused: ${result.reason}`);
      continue;
    }
    const eq = (a: string, b: string) => new Money(a).equals(b);
    // Every stored figure and line against the recomputation: the rule invoice verify applies too.
    const mismatches = storedFigureMismatches(
      { currency: w.doc.currency, subtotal: w.doc.subtotal, tax: w.doc.tax, total: w.doc.total, lines: w.doc.lines as InvoiceLine[], traceJson: w.doc.traceJson, traceDigest: w.doc.traceDigest },
      result,
    );
    if (mismatches.length) checks.fail(label, figureMismatchMessage(mismatches, w.doc.traceDigest, result.traceDigest));
    else {
      const entry = ledger.invoiceEntries.get(w.doc.id);
      if (!new Money(w.doc.total).isZero() && !entry) checks.fail(label, `no ledger entry posts invoice ${w.doc.number}`);
      else if (entry && !eq(entry.receivable, w.doc.total))
        checks.fail(label, `ledger entry ${entry.sequence} debits the receivable ${entry.receivable} ≠ invoice total ${w.doc.total}`);
      else {
        recomputed++;
        checks.ok(
          w.doc.number,
          `${w.doc.periodLabel}: recomputed total ${result.total} ${w.doc.currency} from ${w.doc.billed.outcomes} billed outcome(s)` +
            (w.doc.billed.reversals ? ` and ${w.doc.billed.reversals} reversal(s)` : '') +
            `; trace digest matches${entry ? `; ledger entry ${entry.sequence}` : ''}`,
        );
      }
    }
  }
  if (work.length === 0) checks.note('invoices', 'no finalized invoice in the range');
  else if (recomputed === work.length) checks.ok('invoices', `${recomputed} invoice(s) recomputed with the pricing engine: all match`);
}

/** The mismatch a person reads first (a total before a line, a line before the trace), and how many more. */
function figureMismatchMessage(mismatches: FigureMismatch[], storedDigest: string, recomputedDigest: string): string {
  const rank = (f: string) => ['total', 'subtotal', 'tax', 'currency'].indexOf(f) + 1 || (f.startsWith('lines') ? 5 : 6);
  const first = [...mismatches].sort((a, b) => rank(a.field) - rank(b.field))[0];
  const more = mismatches.length > 1 ? ` (and ${mismatches.length - 1} more figure(s))` : '';
  if (first.field === 'traceDigest' || first.field === 'traceJson')
    return `trace digest ${storedDigest.slice(0, 16)}… ≠ recomputed ${recomputedDigest.slice(0, 16)}… (same figures, different inputs)`;
  return `${first.field} ${first.stored} ≠ recomputed ${first.recomputed}${more}`;
}

/** The refusal an auditor reads: which verifier to install instead. */
export function engineMismatch(pricedWith: string): string {
  const theirs = engineRelease(pricedWith);
  return `bundle priced with engine ${theirs}; this verifier is ${engineRelease(ENGINE_VERSION)} — install ${VERIFIER_PACKAGE}@${theirs}`;
}

/**
 * The engine version that priced an invoice, as its hashed trace records it. The document's own
 * engineVersion (bundles since the field was added) must say the same.
 */
function pricedWith(doc: InvoiceDocument): { version: string } | { error: string } {
  let traced: unknown;
  try {
    traced = (JSON.parse(doc.traceJson) as { engineVersion?: unknown }).engineVersion;
  } catch {
    return { error: 'traceJson is not JSON' };
  }
  if (typeof traced !== 'string' || traced === '') return { error: 'its trace names no engine version' };
  if (doc.engineVersion !== undefined && doc.engineVersion !== traced)
    return { error: `engineVersion ${doc.engineVersion} ≠ the engine its trace records (${traced})` };
  return { version: traced };
}

/** The verifier's recompute path: the engine input rebuilt from the loaded rows (as billing builds it), priced. */
export function repriceInvoice(rows: InvoiceRows): PricingResult {
  return priceInvoice(invoicePricingInput(rows));
}

function invoiceRowsOf(w: InvoiceWork): InvoiceRows {
  const earlier: EarlierPeriodRows[] = [];
  for (const p of w.earlier) {
    const byEffect = w.delta.get(p.from);
    if (!byEffect) continue;
    earlier.push({
      period: { start: p.periodStart, end: p.periodEnd },
      ...(p.segment ? { segment: p.segment } : {}),
      terms: p.terms,
      kpis: w.kpis.filter((k) => k.periodStart === p.periodStart).map((k) => k.kpi),
      billed: w.billed.get(p.from)?.list() ?? [],
      late: byEffect.get(1)?.list() ?? [],
      reversed: byEffect.get(-1)?.list() ?? [],
    });
  }
  return {
    contract: w.contract,
    terms: w.terms,
    period: { start: w.doc.periodStart, end: w.doc.periodEnd },
    aggregates: w.current.list(),
    ...(w.stretches
      ? { segments: w.stretches.map((st) => ({ start: st.start, end: st.end, from: st.from, termsVersionId: st.version.id, terms: st.terms, aggregates: st.aggs.list() })) }
      : {}),
    kpis: w.kpis.filter((k) => k.periodStart === w.doc.periodStart).map((k) => k.kpi),
    earlier,
    ...(w.doc.spendLimit ? { spendLimit: w.doc.spendLimit } : {}),
  };
}

/** The report as a person reads it. */
export function formatReport(r: VerifyReport, zipPath: string): string {
  const out: string[] = [`Evidence bundle ${zipPath}`];
  if (r.summary.vendor) out.push(`  vendor: ${r.summary.vendor}`, `  scope: ${r.summary.scope}, periods ${r.summary.range}`, `  generated: ${r.summary.generatedAt}`);
  out.push('');
  for (const c of r.checks) {
    const mark = c.status === 'ok' ? '✓' : c.status === 'fail' ? '✗' : '!';
    out.push(`${mark} ${c.subject}: ${c.message}`);
  }
  out.push('');
  if (r.ok)
    out.push(
      r.originProven
        ? 'RESULT: VERIFIED — every digest, the signature, the hash chain and every invoice match.'
        : 'RESULT: INTACT — everything matches, but the signing key came from the bundle itself (see "origin" above).',
    );
  else out.push(`RESULT: FAILED — first mismatch: ${r.firstMismatch}`);
  return out.join('\n') + '\n';
}
