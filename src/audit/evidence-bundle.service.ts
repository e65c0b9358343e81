import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { DataSource, EntityManager } from 'typeorm';
import { ZipFile } from 'yazl';
import type { Principal } from '../auth/principal';
import { scopeOf, type Scope } from '../auth/scope';
import { ContractsService } from '../contracts/contracts.service';
import type { TermsVersion } from '../contracts/entities/terms-version.entity';
import type { ExportRange } from '../invoicing/evidence.reads';
import { GENESIS_HASH } from '../ledger/chain';
import type { EvidenceOutcomeFilter } from '../outcomes/evidence.reads';
import { monthPeriod, nextMonthStart } from '../kernel/calendar';
import { canonicalJson } from '../kernel/canonical-json';
import { engineRelease, ENGINE_VERSION, VERIFIER_PACKAGE } from '../pricing/version';
import { AuditError, AuditErrorCode } from './audit.errors';
import {
  BILLING_COLUMNS,
  BUNDLE_FORMAT,
  BundleManifest,
  ContractDocument,
  csvLine,
  EVENT_COLUMNS,
  InvoiceDocument,
  LedgerLine,
  ManifestFile,
  OUTCOME_COLUMNS,
  PATHS,
  PAYMENT_COLUMNS,
  TermsDocument,
} from './bundle-format';
import type { EvidenceQuery } from './dto/audit.dto';
import { BundleReads } from './bundle-reads';
import { ExportLogService } from './export-log.service';
import { vendorScope } from '../auth/scope';
import { SigningKeysService } from '../parties/signing-keys.service';
import { toChainEntry } from '../ledger/ledger.service';

/** Rows per round trip: bounds the memory of a stream whatever the number of outcomes. */
const BATCH = 2_000;
const LEDGER_BATCH = 1_000;

export interface OpenedBundle {
  fileName: string;
  stream: Readable;
}

interface BundleScope {
  kind: 'contract' | 'vendor';
  contractIds: string[];
  /** All of the vendor's contracts: ledger entries are exported whole, none redacted. */
  wholeVendor: boolean;
}

interface Range {
  from: string | null;
  to: string | null;
  /** First day of `from`, first day after `to` (period starts compared as dates). */
  fromDate: string | null;
  toEnd: string | null;
}

/**
 * Streams an evidence bundle: a ZIP whose files are generated one after the other from keyset
 * batches inside one REPEATABLE READ, READ ONLY transaction (a consistent snapshot), hashed while
 * they stream, with the signed manifest written last. Memory does not grow with the number of
 * outcomes: at most one batch of rows is held at a time.
 */
@Injectable()
export class EvidenceBundleService {
  private readonly logger = new Logger(EvidenceBundleService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly contracts: ContractsService,
    private readonly exportLog: ExportLogService,
    private readonly signingKeys: SigningKeysService,
    private readonly reads: BundleReads,
  ) {}

  async forContract(p: Principal, contractId: string, q: EvidenceQuery): Promise<OpenedBundle> {
    const range = this.range(q);
    const c = await this.contracts.findVisible(p, contractId);
    return this.open(p, { kind: 'contract', contractIds: [c.id], wholeVendor: false }, range, { contractId: c.id, customerId: c.customerId });
  }

  async forVendor(p: Principal, q: EvidenceQuery): Promise<OpenedBundle> {
    if (p.role === 'customer') throw AuditError.create(AuditErrorCode.VENDOR_BUNDLE_NOT_ALLOWED);
    const range = this.range(q);
    const scope = scopeOf(p);
    const ids = (await this.contracts.inScope(scope, null)).map((c) => c.id);
    // All of the vendor's contracts (no grant): ledger entries are exported whole, none redacted.
    return this.open(p, { kind: 'vendor', contractIds: ids, wholeVendor: scope.contractIds === null }, range, {});
  }

  private range(q: EvidenceQuery): Range {
    if (q.from && q.to && q.from > q.to)
      throw AuditError.create(AuditErrorCode.RANGE_INVALID, `from ${q.from} is after to ${q.to}`, [{ field: 'from', message: 'must not be after to' }]);
    return {
      from: q.from ?? null,
      to: q.to ?? null,
      fromDate: q.from ? monthPeriod(q.from).start : null,
      toEnd: q.to ? nextMonthStart(q.to) : null,
    };
  }

  private async open(p: Principal, scope: BundleScope, range: Range, log: { contractId?: string; customerId?: string }): Promise<OpenedBundle> {
    const vendor = { id: p.vendorId, name: (await this.reads.parties.vendorName(vendorScope(p.vendorId))) ?? '' };
    const signer = await this.signingKeys.signer(p.vendorId);
    const logId = await this.exportLog.record(p, {
      kind: 'evidence_bundle',
      format: 'zip',
      contractId: log.contractId ?? null,
      customerId: log.customerId ?? null,
      params: { scope: scope.kind, contractIds: scope.contractIds, from: range.from, to: range.to },
    });

    const qr = this.db.createQueryRunner();
    await qr.connect();
    await qr.startTransaction('REPEATABLE READ');
    await qr.query('SET TRANSACTION READ ONLY');
    let closed = false;
    const close = async (commit: boolean) => {
      if (closed) return;
      closed = true;
      try {
        if (commit) await qr.commitTransaction();
        else await qr.rollbackTransaction();
      } catch (e) {
        this.logger.warn(`closing the bundle snapshot: ${(e as Error).message}`);
      } finally {
        await qr.release();
      }
    };

    try {
      const generatedAt = new Date();
      const ctx = new BundleContext(this.reads, qr.manager, scopeOf(p), scope, range);
      await ctx.prepare();
      // Signed on the service's own connection: the snapshot is read-only. The head it names is the snapshot's.
      const checkpoint = await this.reads.ledger.checkpoint(p.vendorId, ctx.head);
      const zip = new ZipFile();
      const files: ManifestFile[] = [];
      const mtime = generatedAt;
      const add = (path: string, source: () => AsyncIterable<string | Buffer>) =>
        zip.addReadStreamLazy(path, { mtime }, (cb) => cb(null, hashed(path, source, files)));
      const counts = { outcomes: 0, outcomeEvents: 0, invoices: ctx.invoices.length, creditNotes: ctx.creditNotes.length, payments: 0, ledgerEntries: 0 };
      const fingerprint = signer.fingerprint;

      add(PATHS.readme, async function* () {
        yield readme(vendor.name, scope, range, fingerprint, generatedAt);
      });
      for (const c of ctx.contractDocs) {
        add(PATHS.contract(c.id), async function* () {
          yield json(c);
        });
        for (const t of c.termsVersions) add(t.path, () => ctx.terms(t.id));
      }
      add(PATHS.outcomes, () => ctx.outcomes((n) => (counts.outcomes += n)));
      add(PATHS.outcomeEvents, () => ctx.events((n) => (counts.outcomeEvents += n)));
      add(PATHS.invoiceOutcomes, () => ctx.billings());
      for (const inv of ctx.invoices) add(PATHS.invoice(inv.number), () => ctx.invoice(inv.id));
      for (const cn of ctx.creditNotes) add(PATHS.creditNote(cn.number), () => ctx.creditNote(cn.id));
      add(PATHS.payments, () => ctx.payments((n) => (counts.payments += n)));
      add(PATHS.ledgerEntries, () => ctx.ledger((n) => (counts.ledgerEntries += n)));
      add(PATHS.publicKey, async function* () {
        yield signer.publicKeyPem;
      });

      // Written last, when every other file has streamed and been hashed.
      let manifestBytes: Buffer | null = null;
      zip.addReadStreamLazy(PATHS.manifest, { mtime }, (cb) => {
        const manifest: BundleManifest = {
          format: BUNDLE_FORMAT,
          generatedAt: generatedAt.toISOString(),
          vendor: { id: vendor.id, name: vendor.name },
          scope: { kind: scope.kind, contractIds: scope.contractIds },
          range: { from: range.from, to: range.to },
          ledgerHead: ctx.head,
          ledgerCheckpoint: checkpoint,
          counts,
          signature: { algorithm: 'Ed25519', file: PATHS.signature, publicKeyFingerprint: fingerprint, keyId: signer.keyId },
          files,
        };
        manifestBytes = Buffer.from(JSON.stringify(manifest, null, 2) + '\n', 'utf8');
        const digest = createHash('sha256').update(manifestBytes).digest('hex');
        this.exportLog.complete(p.vendorId, logId, digest).then(
          () => cb(null, Readable.from([manifestBytes!])),
          (e) => cb(e, Readable.from([])),
        );
      });
      zip.addReadStreamLazy(PATHS.signature, { mtime }, (cb) => {
        const signature = signer.sign(manifestBytes!).toString('base64');
        cb(null, Readable.from([signature + '\n']));
      });
      zip.end({ forceZip64Format: false, comment: '' }, () => undefined);

      const out = zip.outputStream as Readable;
      out.once('end', () => void close(true));
      out.once('close', () => void close(false));
      zip.once('error', (e: Error) => {
        out.destroy(e);
        void close(false);
      });
      const label = scope.kind === 'contract' ? `contract-${scope.contractIds[0]}` : `vendor-${vendor.id}`;
      const rangeLabel = range.from || range.to ? `-${range.from ?? 'start'}_${range.to ?? 'now'}` : '';
      return { fileName: `evidence-${label}${rangeLabel}.zip`, stream: out };
    } catch (e) {
      await close(false);
      throw e;
    }
  }
}

function json(v: unknown): string {
  return JSON.stringify(v, null, 2) + '\n';
}

/**
 * Rows as text in chunks of about 32 KB. A whole batch as one string would be a V8 large object,
 * freed only by a full GC, and the service's peak memory would follow the batch churn.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows come from raw SQL
function* chunked<T = Record<string, any>>(rows: readonly T[], line: (r: T) => string): Generator<string> {
  let text = '';
  for (const r of rows) {
    text += line(r);
    if (text.length >= 32_768) {
      yield text;
      text = '';
    }
  }
  if (text) yield text;
}

/** A file's bytes as a stream, hashed on the way out; the digest joins the manifest when it ends. */
function hashed(path: string, source: () => AsyncIterable<string | Buffer>, files: ManifestFile[]): Readable {
  return Readable.from(
    (async function* () {
      const h = createHash('sha256');
      let bytes = 0;
      for await (const chunk of source()) {
        const b = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
        if (b.length === 0) continue;
        h.update(b);
        bytes += b.length;
        yield b;
      }
      files.push({ path, sha256: h.digest('hex'), bytes });
    })(),
    { objectMode: false },
  );
}

/** The snapshot's reads, one batch at a time; every read runs in the snapshot `em` with the caller's scope. */
class BundleContext {
  contractDocs: ContractDocument[] = [];
  invoices: Array<{ id: string; number: string }> = [];
  creditNotes: Array<{ id: string; number: string }> = [];
  head = { sequence: '0', hash: GENESIS_HASH };
  /** Which outcomes are exported: in scope, in range, or billed by an exported invoice. */
  private outcomeFilter!: EvidenceOutcomeFilter;
  private termsVersions = new Map<string, TermsVersion>();

  constructor(
    private readonly reads: BundleReads,
    private readonly em: EntityManager,
    private readonly caller: Scope,
    private readonly scope: BundleScope,
    private readonly range: Range,
  ) {}

  async prepare(): Promise<void> {
    const { contracts, invoicing, ledger, parties } = this.reads;
    this.head = await ledger.head(this.caller.vendorId, this.em);

    const exported: ExportRange = { contractIds: this.scope.contractIds, fromDate: this.range.fromDate, toEnd: this.range.toEnd };
    this.invoices = await invoicing.invoicesInRange(this.caller, exported, this.em);
    this.creditNotes = await invoicing.creditNotesInRange(this.caller, exported, this.em);
    // The KPI measurements the exported invoices' guarantees read (they are not billed, so not linked).
    const measurementIds = await invoicing.guaranteeMeasurementIds(this.caller, exported, this.em);
    const invoiced = await invoicing.invoicedPeriods(this.caller, this.scope.contractIds, this.em);
    const rows = await contracts.inScope(this.caller, this.scope.contractIds, this.em);
    const customerNames = await parties.customerNames(this.caller, [...new Set(rows.map((c) => c.customerId))], this.em);
    const terms = await contracts.termsVersionsOf(this.caller, this.scope.contractIds, this.em);
    this.termsVersions = new Map(terms.map((t) => [t.id, t]));
    const casePairs = [
      ...new Map(
        terms.flatMap((t) =>
          t.document.components.flatMap((c) => (c.type === 'per_outcome' && c.chargeOncePer !== undefined ? [[`${t.contractId} ${c.outcomeType}`, { contractId: t.contractId, type: c.outcomeType }] as const] : [])),
        ),
      ).values(),
    ];
    this.outcomeFilter = {
      contracts: rows.map((c) => ({ id: c.id, timezone: c.timezone })),
      fromDate: this.range.fromDate,
      toEnd: this.range.toEnd,
      measurementIds,
      // Charge once per case: every billed outcome of such a component's type, so the verifier knows which cases were charged before.
      alsoBilled: (ps) =>
        casePairs.length ? `(${invoicing.billedInRangeSql(this.caller, ps, exported)} OR ${invoicing.billedEverSql(ps, casePairs)})` : invoicing.billedInRangeSql(this.caller, ps, exported),
    };
    // A range reads its own months' partitions, and the months its extra outcomes occurred in
    // (charge-once-per-case ones may have occurred in any month: then every month is read).
    if ((this.range.fromDate !== null || this.range.toEnd !== null) && casePairs.length === 0)
      this.outcomeFilter.extrasOccurred = await this.reads.outcomes.extrasOccurrence(
        this.caller,
        this.outcomeFilter,
        (ps) => invoicing.billedInRangeIdsSql(this.caller, ps, exported),
        this.em,
      );
    this.contractDocs = rows.map((c) => ({
      id: c.id,
      customerId: c.customerId,
      customerName: customerNames.get(c.customerId) ?? '',
      name: c.name,
      currency: c.currency,
      timezone: c.timezone,
      taxRate: c.taxRate,
      startsOn: c.startsOn,
      endsOn: c.endsOn,
      billingCycle: c.billingCycle,
      status: c.status,
      termsVersions: terms
        .filter((t) => t.contractId === c.id)
        .map((t) => ({ id: t.id, version: t.version, effectiveFrom: t.effectiveFrom, sha256: t.documentSha256, path: PATHS.terms(c.id, t.version) })),
      invoicedPeriods: invoiced
        .filter((i) => i.contract_id === c.id)
        .map((i) => ({
          id: i.id,
          number: i.number,
          status: i.status,
          periodStart: i.period_start,
          periodEnd: i.period_end,
          termsVersionId: i.terms_version_id,
          finalizedAt: i.finalized_at,
        })),
    }));
  }

  async *terms(id: string): AsyncIterable<string> {
    const t = this.termsVersions.get(id)!;
    const doc: TermsDocument = { id: t.id, contractId: t.contractId, version: t.version, effectiveFrom: t.effectiveFrom, sha256: t.documentSha256, terms: t.document };
    yield json(doc);
  }

  async *outcomes(count: (n: number) => void): AsyncIterable<string> {
    yield csvLine([...OUTCOME_COLUMNS]);
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const rows = await this.reads.outcomes.outcomeBatch(this.caller, this.outcomeFilter, after, BATCH, this.em);
      if (rows.length === 0) return;
      const lines = chunked(rows, (r) =>
        csvLine([
          r.id,
          r.contract_id,
          r.external_id,
          r.type,
          r.quantity,
          r.value,
          r.occurred_at,
          canonicalJson(r.dimensions ?? {}),
          r.evidence_sha256,
          r.evidence_uri,
          r.status,
          r.corrects_outcome_id,
          r.content_sha256,
          r.verified_at,
          r.recorded_at,
        ]),
      );
      count(rows.length);
      after = rows[rows.length - 1].id;
      yield* lines;
      if (rows.length < BATCH) return;
    }
  }

  /** The exported outcomes' ids in order, a batch at a time (an index-only keyset scan). */
  private async *outcomeIdBatches(): AsyncIterable<string[]> {
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const ids = await this.reads.outcomes.outcomeIdBatch(this.caller, this.outcomeFilter, after, BATCH, this.em);
      if (ids.length === 0) return;
      yield ids;
      after = ids[ids.length - 1];
      if (ids.length < BATCH) return;
    }
  }

  async *events(count: (n: number) => void): AsyncIterable<string> {
    yield csvLine([...EVENT_COLUMNS]);
    for await (const ids of this.outcomeIdBatches()) {
      const rows = await this.reads.outcomes.events(this.caller, ids, this.em);
      count(rows.length);
      yield* chunked(rows, (r) => csvLine([r.outcome_id, r.id, r.from_status, r.to_status, r.actor_role, r.actor_key_id, r.reason, r.occurred_at]));
    }
  }

  /** Every billing link of the exported outcomes (also links to invoices outside the range: adjustments need them). */
  async *billings(): AsyncIterable<string> {
    yield csvLine([...BILLING_COLUMNS]);
    for await (const ids of this.outcomeIdBatches()) {
      const rows = await this.reads.invoicing.billingLinks(this.caller, ids, this.em);
      yield* chunked(rows, (r) => csvLine([r.outcome_id, String(r.effect), r.invoice_id]));
    }
  }

  async *invoice(id: string): AsyncIterable<string> {
    const i = (await this.reads.invoicing.invoiceDocument(this.caller, id, this.em))!;
    const doc: InvoiceDocument = {
      id: i.id,
      number: i.number,
      status: i.status,
      contractId: i.contract_id,
      customerId: i.customer_id,
      periodLabel: i.period_label,
      periodStart: i.period_start,
      periodEnd: i.period_end,
      currency: i.currency,
      termsVersionId: i.terms_version_id,
      subtotal: i.subtotal,
      tax: i.tax,
      total: i.total,
      lines: i.lines,
      engineVersion: i.engine_version,
      traceJson: i.trace_json,
      traceDigest: i.trace_digest,
      finalizedAt: i.finalized_at,
      journalEntryId: i.journal_entry_id,
      billed: { outcomes: i.billed, reversals: i.reversed },
      ...(i.spend_limit ? { spendLimit: i.spend_limit } : {}),
    };
    yield json(doc);
  }

  async *creditNote(id: string): AsyncIterable<string> {
    const n = (await this.reads.invoicing.creditNoteDocument(this.caller, id, this.em))!;
    yield json({
      id: n.id,
      number: n.number,
      invoiceId: n.invoice_id,
      invoiceNumber: n.invoice_number,
      reason: n.reason,
      lines: n.lines,
      subtotal: n.subtotal,
      tax: n.tax,
      total: n.total,
      journalEntryId: n.journal_entry_id,
      createdAt: n.created_at,
    });
  }

  async *payments(count: (n: number) => void): AsyncIterable<string> {
    yield csvLine([...PAYMENT_COLUMNS]);
    const rows = await this.reads.invoicing.payments(this.caller, this.invoices.map((i) => i.id), this.em);
    count(rows.length);
    for (const r of rows) yield csvLine([r.id, r.invoice_id, r.amount, r.paid_on, r.reference, r.journal_entry_id, r.created_at]);
  }

  /**
   * The vendor's whole chain from genesis to the head: verifying a link needs every link. Entries
   * of contracts outside the bundle's scope are redacted to their links (sequence, id, prev_hash,
   * hash): the chain still verifies through them, their content stays private.
   */
  async *ledger(count: (n: number) => void): AsyncIterable<string> {
    let after = '0';
    const inScope = new Set(this.scope.contractIds);
    for (;;) {
      const rows = await this.reads.ledger.chainBatch(this.caller.vendorId, { after, through: this.head.sequence, limit: LEDGER_BATCH }, this.em);
      if (rows.length === 0) return;
      const entries = chunked(rows, (r) => {
        const line: LedgerLine =
          this.scope.wholeVendor || (r.contract_id && inScope.has(r.contract_id))
            ? { redacted: false, ...toChainEntry(this.caller.vendorId, r) }
            : { redacted: true, id: r.id, sequence: r.sequence, prevHash: r.prev_hash, hash: r.hash };
        return JSON.stringify(line) + '\n';
      });
      count(rows.length);
      after = rows[rows.length - 1].sequence;
      yield* entries;
      if (rows.length < LEDGER_BATCH) return;
    }
  }
}

function readme(vendorName: string, scope: BundleScope, range: Range, fingerprint: string, at: Date): string {
  return [
    `Outcome Ledger evidence bundle (${BUNDLE_FORMAT})`,
    ``,
    `Vendor: ${vendorName}`,
    `Scope: ${scope.kind === 'contract' ? `contract ${scope.contractIds[0]}` : `${scope.contractIds.length} contract(s) of the vendor`}`,
    `Billing periods: ${range.from ?? 'contract start'} to ${range.to ?? 'now'}`,
    `Generated: ${at.toISOString()}`,
    `Signing key fingerprint (SHA-256 of the DER public key): ${fingerprint}`,
    ``,
    `What is inside`,
    `  manifest.json          every other file's SHA-256 and size, the range, the ledger head and the`,
    `                         vendor's signed checkpoint of it (ledgerCheckpoint: keep it), counts`,
    `  manifest.sig           Ed25519 signature (base64) of manifest.json's exact bytes, by the vendor's key`,
    `  public-key.pem         the vendor's public key, for convenience: prefer the one the vendor published`,
    `                         (GET /v1/vendor/signing-key) — a key taken from the bundle proves integrity, not origin`,
    `  contracts/<id>/        the contract and every terms version (the exact pricing terms)`,
    `  outcomes.csv           the outcomes of the range and every outcome an exported invoice billed, with`,
    `                         their evidence hashes and content hashes`,
    `  outcome-events.csv     each outcome's history: who recorded, verified, rejected, disputed it, and when`,
    `  invoice-outcomes.csv   which outcome each invoice billed (+1) or took back (-1)`,
    `  invoices/, credit-notes/, payments.csv   the finalized documents, with the calculation trace`,
    `  ledger/entries.jsonl   the vendor's hash-chained journal from the first entry to the head;`,
    `                         entries of other contracts are reduced to their hashes, so the chain still`,
    `                         verifies while their content stays private`,
    ``,
    `How to check it (offline, no database, no network)`,
    `  npx ${VERIFIER_PACKAGE}@${engineRelease(ENGINE_VERSION)} <this file.zip> --public-key vendor-public-key.pem`,
    `It checks every digest and the signature, walks the hash chain, and recomputes every invoice`,
    `from the outcomes and terms in this bundle with the pricing engine that priced it (each invoice`,
    `records it: invoices/*.json "engineVersion"); a verifier of another engine release refuses and`,
    `names the version to install.`,
    `Add --checkpoint kept.json (a checkpoint kept from an earlier statement or bundle) to prove this`,
    `bundle's journal still extends it: that no entry up to it was rewritten since.`,
    ``,
  ].join('\n');
}
