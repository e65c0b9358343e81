// Every migration, in order. Explicit imports keep them working under ts (tests, CLI) and in dist alike.
import { CreateTenancyPartiesContracts1764000000000 } from './1764000000000-create-tenancy-parties-contracts';
import { CreateOutcomesAndEvents1764000001000 } from './1764000001000-create-outcomes-and-events';
import { GuardOutcomesAndEvents1764000002000 } from './1764000002000-guard-outcomes-and-events';
import { CreateJournal1764000003000 } from './1764000003000-create-journal';
import { CreateWebhooksOutbox1764000003500 } from './1764000003500-create-webhooks-outbox';
import { CreateInvoicesCreditNotesPayments1764000004000 } from './1764000004000-create-invoices-credit-notes-payments';
import { CreateExportLog1764000005000 } from './1764000005000-create-export-log';
import { CreatePortalLinksAndSessions1765500000000 } from './1765500000000-create-portal-links-and-sessions';

export const migrations = [CreateTenancyPartiesContracts1764000000000, CreateOutcomesAndEvents1764000001000, GuardOutcomesAndEvents1764000002000, CreateJournal1764000003000, CreateWebhooksOutbox1764000003500, CreateInvoicesCreditNotesPayments1764000004000, CreateExportLog1764000005000, CreatePortalLinksAndSessions1765500000000];
