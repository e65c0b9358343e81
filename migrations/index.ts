// Every migration, in order. Explicit imports keep them working under ts (tests, CLI) and in dist alike.
import { CreateTenancyPartiesContracts1764000000000 } from './1764000000000-create-tenancy-parties-contracts';
import { CreateOutcomesAndEvents1764000001000 } from './1764000001000-create-outcomes-and-events';
import { GuardOutcomesAndEvents1764000002000 } from './1764000002000-guard-outcomes-and-events';
import { CreateJournal1764000003000 } from './1764000003000-create-journal';
import { CreateWebhooksOutbox1764000003500 } from './1764000003500-create-webhooks-outbox';
import { CreateInvoicesCreditNotesPayments1764000004000 } from './1764000004000-create-invoices-credit-notes-payments';
import { CreateExportLog1764000005000 } from './1764000005000-create-export-log';
import { EncryptSecretsAtRest1765200000000 } from './1765200000000-encrypt-secrets-at-rest';
import { LeastPrivilegeServiceRole1765300000000 } from './1765300000000-least-privilege-service-role';
import { GrantSecretColumnsToServiceRole1765300000500 } from './1765300000500-grant-secret-columns-to-service-role';
import { GuardEveryAppendOnlyRule1765300001000 } from './1765300001000-guard-every-append-only-rule';
import { IdempotencyPerPrincipalExpiring1765400000000 } from './1765400000000-idempotency-per-principal-expiring';
import { CreatePortalLinksAndSessions1765500000000 } from './1765500000000-create-portal-links-and-sessions';
import { DeemedAcceptance1766500000000 } from './1766500000000-deemed-acceptance';
import { AddLegalPartiesPaymentTermsAndTaxInvoices1766600000000 } from './1766600000000-add-legal-parties-payment-terms-and-tax-invoices';
import { DistributionReadySecretLookups1766800000000 } from './1766800000000-distribution-ready-secret-lookups';
import { CreateBillingRunContracts1766900000000 } from './1766900000000-create-billing-run-contracts';
import { CreateValueBasisVersions1767200000000 } from './1767200000000-create-value-basis-versions';
import { IndependentVerifiers1767400000000 } from './1767400000000-independent-verifiers';
import { CreateLedgerCheckpoints1767600000000 } from './1767600000000-create-ledger-checkpoints';
import { CreateSpendControls1768300000000 } from './1768300000000-create-spend-controls';
import { RecordSpendLimitOnInvoices1768300000100 } from './1768300000100-record-spend-limit-on-invoices';
import { BillingRunsAsBackgroundJobs1768400000000 } from './1768400000000-billing-runs-as-background-jobs';
import { RecordBilledOutcomesWithoutPerRowChecks1768400200000 } from './1768400200000-record-billed-outcomes-without-per-row-checks';
import { LedgerBatchesExtendTheHead1768400200100 } from './1768400200100-ledger-batches-extend-the-head';
import { IndexOutcomeChangesForLateChecks1768400200200 } from './1768400200200-index-outcome-changes-for-late-checks';
import { BillingRunDeadLetters1768400300000 } from './1768400300000-billing-run-dead-letters';
import { PartitionOutcomesByMonth1768500000000 } from './1768500000000-partition-outcomes-by-month';

export const migrations = [
  CreateTenancyPartiesContracts1764000000000,
  CreateOutcomesAndEvents1764000001000,
  GuardOutcomesAndEvents1764000002000,
  CreateJournal1764000003000,
  CreateWebhooksOutbox1764000003500,
  CreateInvoicesCreditNotesPayments1764000004000,
  CreateExportLog1764000005000,
  EncryptSecretsAtRest1765200000000,
  LeastPrivilegeServiceRole1765300000000,
  GrantSecretColumnsToServiceRole1765300000500,
  GuardEveryAppendOnlyRule1765300001000,
  IdempotencyPerPrincipalExpiring1765400000000,
  CreatePortalLinksAndSessions1765500000000,
  DeemedAcceptance1766500000000,
  AddLegalPartiesPaymentTermsAndTaxInvoices1766600000000,
  DistributionReadySecretLookups1766800000000,
  CreateBillingRunContracts1766900000000,
  CreateValueBasisVersions1767200000000,
  IndependentVerifiers1767400000000,
  CreateLedgerCheckpoints1767600000000,
  CreateSpendControls1768300000000,
  RecordSpendLimitOnInvoices1768300000100,
  BillingRunsAsBackgroundJobs1768400000000,
  RecordBilledOutcomesWithoutPerRowChecks1768400200000,
  LedgerBatchesExtendTheHead1768400200100,
  IndexOutcomeChangesForLateChecks1768400200200,
  BillingRunDeadLetters1768400300000,
  PartitionOutcomesByMonth1768500000000,
];
