// The evidence bundle's layout, shared by the exporter (evidence-bundle.service.ts) and the offline
// verifier (verify-bundle.ts). Pure: no Nest, no database. Changing a column or a path here changes
// the format: bump BUNDLE_FORMAT.

import { csvCell } from '../kernel/csv-cell';

export const BUNDLE_FORMAT = 'outcome-ledger-evidence/1';

export const PATHS = {
  manifest: 'manifest.json',
  signature: 'manifest.sig',
  publicKey: 'public-key.pem',
  readme: 'README.txt',
  outcomes: 'outcomes.csv',
  outcomeEvents: 'outcome-events.csv',
  invoiceOutcomes: 'invoice-outcomes.csv',
  payments: 'payments.csv',
  ledgerEntries: 'ledger/entries.jsonl',
  contract: (contractId: string) => `contracts/${contractId}/contract.json`,
  terms: (contractId: string, version: number) => `contracts/${contractId}/terms/v${version}.json`,
  invoice: (numberOrId: string) => `invoices/${numberOrId}.json`,
  creditNote: (numberOrId: string) => `credit-notes/${numberOrId}.json`,
} as const;

/** outcomes.csv, ordered by id (uuidv7: time order). Decimals trimmed ("400000.00" → "400000"), instants UTC with ms. */
export const OUTCOME_COLUMNS = [
  'id',
  'contract_id',
  'external_id',
  'type',
  'quantity',
  'value',
  'occurred_at',
  'dimensions',
  'evidence_sha256',
  'evidence_uri',
  'status',
  'corrects_outcome_id',
  'content_sha256',
  'verified_at',
  'recorded_at',
] as const;

/** outcome-events.csv: every transition of every outcome, ordered by outcome id then event id. */
export const EVENT_COLUMNS = ['outcome_id', 'event_id', 'from_status', 'to_status', 'actor_role', 'actor_key_id', 'reason', 'occurred_at'] as const;

/** invoice-outcomes.csv: which outcomes each invoice billed (+1) or took back (−1), ordered by outcome id. */
export const BILLING_COLUMNS = ['outcome_id', 'effect', 'invoice_id'] as const;

export const PAYMENT_COLUMNS = ['id', 'invoice_id', 'amount', 'paid_on', 'reference', 'journal_entry_id', 'created_at'] as const;

export type OutcomeRecord = Record<(typeof OUTCOME_COLUMNS)[number], string>;
export type EventRecord = Record<(typeof EVENT_COLUMNS)[number], string>;
export type BillingRecord = Record<(typeof BILLING_COLUMNS)[number], string>;

export interface ManifestFile {
  path: string;
  sha256: string;
  bytes: number;
}

export interface BundleManifest {
  format: typeof BUNDLE_FORMAT;
  generatedAt: string;
  vendor: { id: string; name: string };
  scope: { kind: 'contract' | 'vendor'; contractIds: string[] };
  /** Billing periods covered, `YYYY-MM`; null ends mean "from the contract's start" / "up to now". */
  range: { from: string | null; to: string | null };
  /** The vendor's chain head when the export started (its snapshot). */
  ledgerHead: { sequence: string; hash: string };
  /**
   * The vendor's signed checkpoint of that head (src/ledger/checkpoint.ts): keep it, and a later
   * bundle or `POST /v1/ledger/verify` proves the chain still extends it. Absent in older bundles.
   */
  ledgerCheckpoint?: import('../ledger/checkpoint').LedgerCheckpoint;
  counts: { outcomes: number; outcomeEvents: number; invoices: number; creditNotes: number; payments: number; ledgerEntries: number };
  /** keyId: the vendor's signing key that signed (GET /v1/vendor/signing-keys); absent in bundles from before key rotation. */
  signature: { algorithm: 'Ed25519'; file: typeof PATHS.signature; publicKeyFingerprint: string; keyId?: string };
  /** Every file of the bundle but manifest.json and manifest.sig. */
  files: ManifestFile[];
}

/** One line of ledger/entries.jsonl: a full entry, or only its links when it belongs to a contract outside the bundle. */
export type LedgerLine =
  | ({ redacted: false } & import('../ledger/chain').ChainEntry)
  | import('../ledger/chain').RedactedChainEntry;

export interface InvoiceDocument {
  id: string;
  number: string;
  status: 'finalized' | 'paid' | 'void';
  contractId: string;
  customerId: string;
  periodLabel: string;
  periodStart: string;
  periodEnd: string;
  currency: string;
  termsVersionId: string;
  subtotal: string;
  tax: string;
  total: string;
  lines: unknown[];
  /**
   * The pricing engine that priced it (ENGINE_VERSION, as its trace records it): the verifier
   * recomputes with that version or refuses. Absent in bundles from before the field; the trace has it.
   */
  engineVersion?: string;
  /** The canonical trace exactly as it was hashed. */
  traceJson: string;
  traceDigest: string;
  /** Microsecond precision, UTC. */
  finalizedAt: string;
  journalEntryId: string | null;
  billed: { outcomes: number; reversals: number };
  /** The spend controls' hard limit it was priced with; absent when none (and in bundles from before the field). */
  spendLimit?: { budget: string; controlsVersionId?: string };
}

export interface ContractDocument {
  id: string;
  customerId: string;
  customerName: string;
  name: string;
  currency: string;
  timezone: string;
  taxRate: string;
  startsOn: string;
  endsOn: string | null;
  billingCycle: 'monthly' | 'annual';
  status: string;
  termsVersions: Array<{ id: string; version: number; effectiveFrom: string; sha256: string; path: string }>;
  /**
   * Every invoice of the contract that left draft, in or out of the range: recomputing an invoice's
   * adjustments needs the earlier periods, their terms and the order in which invoices were finalized.
   */
  invoicedPeriods: InvoicedPeriod[];
}

export interface InvoicedPeriod {
  id: string;
  number: string;
  status: string;
  periodStart: string;
  periodEnd: string;
  termsVersionId: string;
  /** Microsecond precision: finalizations are ordered by it. */
  finalizedAt: string;
}

export interface TermsDocument {
  id: string;
  contractId: string;
  version: number;
  effectiveFrom: string;
  sha256: string;
  terms: import('../pricing/types').Terms;
}

/** SHA-256 of the DER (SPKI) public key: how a key is named across the API, the manifest and the verifier. */
export { publicKeyFingerprint } from '../kernel/key-fingerprint';

/** One CSV field: formula-escaped (`csvCell`, reversed by the verifier's reader), then quoted if needed. */
export function csvField(raw: string | null | undefined): string {
  if (raw === null || raw === undefined) return '';
  const v = csvCell(raw);
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function csvLine(values: Array<string | null | undefined>): string {
  return values.map(csvField).join(',') + '\n';
}
