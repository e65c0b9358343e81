import { Injectable } from '@nestjs/common';
import { ContractsService } from '../contracts/contracts.service';
import { InvoicingEvidenceReads } from '../invoicing/evidence.reads';
import { LedgerService } from '../ledger/ledger.service';
import { OutcomeEvidenceReads } from '../outcomes/evidence.reads';
import { PartyNamesReads } from '../parties/documents.reads';

/** The owners' reads the bundle is made of (outcomes, invoicing, contracts, ledger, parties). */
@Injectable()
export class BundleReads {
  constructor(
    readonly contracts: ContractsService,
    readonly invoicing: InvoicingEvidenceReads,
    readonly outcomes: OutcomeEvidenceReads,
    readonly ledger: LedgerService,
    readonly parties: PartyNamesReads,
  ) {}
}
