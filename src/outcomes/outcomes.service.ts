import { Inject, Injectable, Optional } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Principal } from '../auth/principal';
import { type Scope, scopeOf, scopeSeesContract, vendorScope } from '../auth/scope';
import { CommonError, CommonErrorCode, notFound } from '../common/errors/common.errors';
import type { DomainException, FieldError } from '../common/errors/domain-exception';
import { encodeCursor, Page } from '../common/http/pagination';
import { Money } from '../common/money';
import { localDateTime } from '../kernel/calendar';
import { OutcomeContractReads } from '../contracts/outcome.reads';
import { WebhooksService } from '../webhooks/webhooks.service';
import { VerifiersRepository } from '../parties/verifiers.repository';
import { monthPeriod } from '../pricing/period';
import { versionInForce } from '../pricing/terms-in-force';
import {
  BatchItemResultView,
  BatchOutcomeItemDto,
  BatchResultView,
  BulkFailureView,
  BulkRejectView,
  BulkVerifyView,
  CorrectOutcomeDto,
  ItemErrorView,
  MAX_BATCH,
  OUTCOME_STATUSES,
  OutcomeContentDto,
  OutcomeDetailView,
  OutcomeListQuery,
  OutcomeStatsView,
  OutcomeTypeStatsView,
  OutcomeView,
  RecordOutcomeDto,
} from './dto/outcome.dto';
import type { OutcomeStatus } from './entities/outcome.entity';
import { asBatchItem, batchItemErrors } from './dto/batch-item.validator';
import { acceptanceRate } from './acceptance-rate';
import { amountOf, contentSha256, disputeWindowDaysOf, evidenceDigest, localDate, normalDecimal, typeRulesOf } from './outcome-rules';
import { type ContractRules, KeptContracts } from './kept-contracts';
import { type Decider, deciderOf, decisionRefusal, type NamedVerifier, type OutcomeAction, refusal, transitionOf } from './outcome-transitions';
import { OutcomeError, OutcomeErrorCode } from './outcomes.errors';
import {
  Actor,
  InsertedOutcomes,
  NewOutcome,
  newOutcomeView,
  outcomeKey,
  OutcomeRow,
  OutcomesRepository,
  toOutcomeView,
} from './outcomes.repository';
import { metrics } from '../observability/metrics';
import { OUTCOMES_CHANGED, type OutcomesChanged } from './outcomes-changed.port';

/** An outcome to record: its position in the request, its contract and its (validated) content. */
interface Candidate {
  index: number;
  contractId: string;
  dto: RecordOutcomeDto;
  correctsOutcomeId?: string | null;
}

class ItemError {
  constructor(
    readonly code: string,
    readonly field: string,
    readonly message: string,
    readonly errors?: FieldError[],
  ) {}
}

/** Recording's answer for one outcome. */
export type RecordResult =
  | { index: number; status: 'created' | 'duplicate'; outcome: OutcomeView }
  | { index: number; status: 'error'; error: ItemError };

/** Refusals decided by the contract and its terms: a kept copy's are decided again on a fresh read. */
const CONTRACT_REFUSALS: ReadonlySet<string> = new Set([
  OutcomeErrorCode.CURRENCY_MISMATCH,
  OutcomeErrorCode.OCCURRED_OUTSIDE_CONTRACT,
  OutcomeErrorCode.OUTCOME_TYPE_UNKNOWN,
  OutcomeErrorCode.OUTCOME_AMOUNT_MISSING,
]);

const ALL_STATUSES = (): Record<OutcomeStatus, number> =>
  Object.fromEntries(OUTCOME_STATUSES.map((s) => [s, 0])) as Record<OutcomeStatus, number>;

function actorOf(p: Principal): Actor {
  return { keyId: p.keyId, role: p.role, verifierId: p.role === 'verifier' ? (p.verifierId ?? null) : null };
}

@Injectable()
export class OutcomesService {
  constructor(
    private readonly repo: OutcomesRepository,
    private readonly contracts: OutcomeContractReads,
    private readonly webhooks: WebhooksService,
    private readonly verifiers: VerifiersRepository,
    @Optional() @Inject(OUTCOMES_CHANGED) private readonly changed?: OutcomesChanged,
  ) {}

  /** The contracts recording read last (see KeptContracts: every use is guarded by the contract's stamp). */
  private readonly kept = new KeptContracts();

  /** Tells the port which contracts gained verified outcomes: once per request or batch, never per row. */
  private async verifiedIn(vendorId: string, contractIds: Iterable<string>): Promise<void> {
    const ids = [...new Set(contractIds)];
    if (ids.length > 0 && this.changed) await this.changed.verifiedOutcomesChanged(vendorId, ids);
  }

  // ── recording ────────────────────────────────────────────────────────────────────────────────

  /** `POST /v1/contracts/:id/outcomes`: 201 with the new outcome, or `duplicate` with the stored one. */
  async recordOne(p: Principal, contractId: string, dto: RecordOutcomeDto): Promise<{ duplicate: boolean; outcome: OutcomeView }> {
    const [r] = await this.record(p, [{ index: 0, contractId, dto: asBatchItem({ ...dto }) }], { batch: false });
    if (r.status === 'error') throw this.toException(r.error);
    if (r.status === 'created' && r.outcome.status === 'verified') await this.verifiedIn(p.vendorId, [r.outcome.contractId]);
    return { duplicate: r.status === 'duplicate', outcome: r.outcome };
  }

  /** `POST /v1/outcomes/batch`: each item answers on its own; the valid ones are written in one statement. */
  async recordBatch(p: Principal, body: unknown): Promise<BatchResultView> {
    const items = this.batchItems(body);
    if (items.length > MAX_BATCH)
      throw OutcomeError.create(OutcomeErrorCode.BATCH_TOO_LARGE, `${items.length} outcomes sent; split them into batches of ${MAX_BATCH}`, [
        { field: 'outcomes', message: `must hold at most ${MAX_BATCH} outcomes, got ${items.length}` },
      ]);
    if (items.length === 0)
      throw OutcomeError.create(OutcomeErrorCode.BATCH_ITEM_INVALID, 'the batch is empty', [
        { field: 'outcomes', message: 'must hold at least one outcome' },
      ]);
    const invalid: RecordResult[] = [];
    const candidates: Candidate[] = [];
    items.forEach((raw, index) => {
      const checked = this.validateItem(raw, index);
      if (checked instanceof ItemError) invalid.push({ index, status: 'error', error: checked });
      else candidates.push({ index, contractId: checked.contractId, dto: checked });
    });
    const results = [...invalid, ...(await this.record(p, candidates, { batch: true }))].sort((a, b) => a.index - b.index);
    await this.verifiedIn(p.vendorId, results.flatMap((r) => (r.status === 'created' && r.outcome.status === 'verified' ? [r.outcome.contractId] : [])));
    let created = 0;
    let duplicates = 0;
    const views: BatchItemResultView[] = results.map((r) => {
      if (r.status === 'error') return { index: r.index, status: 'error', error: this.itemErrorView(r.error) };
      if (r.status === 'created') created++;
      else duplicates++;
      return { index: r.index, status: r.status, outcome: r.outcome };
    });
    return { results: views, created, duplicates, errors: results.length - created - duplicates };
  }

  /**
   * The batch body `{ outcomes: [...] }`. It skips the global ValidationPipe on purpose: the pipe's
   * class-transformer copy of 1,000 items costs more than the rest of a batch; the items are checked
   * one by one below, and this checks the envelope by the same rules (no unknown fields).
   */
  private batchItems(body: unknown): unknown[] {
    const invalid = (field: string, message: string) =>
      CommonError.create(CommonErrorCode.VALIDATION_FAILED, `${field}: ${message}`, [{ field, message }]);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('outcomes', 'the body must be { "outcomes": [...] }');
    for (const k of Object.keys(body)) if (k !== 'outcomes') throw invalid(k, 'unknown field');
    const items = (body as { outcomes?: unknown }).outcomes;
    if (!Array.isArray(items)) throw invalid('outcomes', 'outcomes must be an array');
    return items;
  }

  /** Validates a batch item by the rules of BatchOutcomeItemDto (whitelist, no unknown fields). */
  private validateItem(raw: unknown, index: number): BatchOutcomeItemDto | ItemError {
    const at = `outcomes[${index}]`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      return new ItemError(CommonErrorCode.VALIDATION_FAILED, at, 'must be a JSON object');
    const errors = batchItemErrors(raw as Record<string, unknown>, at);
    if (errors.length === 0) return asBatchItem(raw as Record<string, unknown>);
    return new ItemError(CommonErrorCode.VALIDATION_FAILED, errors[0].field, errors[0].message, errors);
  }

  /**
   * The one recording path (single, batch, correction, demo): checks each candidate against its
   * contract and terms, inserts the new ones in one statement, and answers replays from the stored rows.
   */
  private async record(p: Principal, candidates: Candidate[], opts: { batch: boolean; em?: EntityManager }): Promise<RecordResult[]> {
    if (candidates.length === 0) return [];
    this.allow('record', null, p);
    const scope = scopeOf(p);
    const em = opts.em;
    // Batch errors name the item (`outcomes[3].type`); a single outcome's errors name the field.
    const at = (c: Candidate, field: string) => (opts.batch ? `outcomes[${c.index}].${field}` : field);
    // uuids compare as text below: one spelling.
    candidates = candidates.map((c) => ({ ...c, contractId: c.contractId.toLowerCase() }));
    const contractIds = [...new Set(candidates.map((c) => c.contractId))];
    let rules = await this.rulesOf(scope, contractIds, em, true);
    let results: RecordResult[];
    let fresh: Array<{ c: Candidate; row: NewOutcome }>;
    let repeats: Array<{ c: Candidate; row: NewOutcome }>;
    let inserted: InsertedOutcomes;
    for (let attempt = 1; ; attempt++) {
      ({ results, fresh, repeats } = this.prepareAll(candidates, rules.byContract, at));
      // A refusal that depends on the contract is never answered from a kept copy alone.
      if (rules.kept && results.some((r) => r.status === 'error' && CONTRACT_REFUSALS.has(r.error.code))) {
        this.kept.drop(scope.vendorId, contractIds);
        rules = await this.rulesOf(scope, contractIds, em, false);
        continue;
      }
      const guard = [...new Set(fresh.map((f) => f.row.contractId))].map((id) => ({ id, stamp: rules.byContract.get(id)!.contract.stamp }));
      inserted = await this.repo.insertNew(scope, actorOf(p), fresh.map((f) => f.row), em, guard);
      if (inserted.current) break;
      // A contract changed since it was read (here or by another process): read it again, check again.
      this.kept.drop(scope.vendorId, contractIds);
      if (attempt === 3) throw new Error(`contracts ${guard.map((g) => g.id).join(', ')} changed during each of 3 attempts to record outcomes`);
      rules = await this.rulesOf(scope, contractIds, em, false);
    }
    metrics.outcomesIngested.inc(inserted.ids.size);
    const toLookUp = [...fresh.filter((f) => !inserted.ids.has(outcomeKey(f.row.contractId, f.row.externalId))), ...repeats];
    const stored = await this.repo.findByExternalIds(
      scope,
      toLookUp.map((f) => ({ contractId: f.row.contractId, externalId: f.row.externalId })),
      em,
    );
    const storedByKey = new Map(stored.map((r) => [outcomeKey(r.contract_id, r.external_id), r]));

    for (const f of fresh) {
      const id = inserted.ids.get(outcomeKey(f.row.contractId, f.row.externalId));
      if (id) results.push({ index: f.c.index, status: 'created', outcome: newOutcomeView(f.row, id, inserted.at) });
    }
    for (const f of toLookUp) {
      const row = storedByKey.get(outcomeKey(f.row.contractId, f.row.externalId));
      if (!row) throw new Error(`outcome ${f.row.externalId} was neither inserted nor found`); // cannot happen: ON CONFLICT means it exists
      if (row.content_sha256 === f.row.contentSha256) results.push({ index: f.c.index, status: 'duplicate', outcome: toOutcomeView(row) });
      else
        results.push({
          index: f.c.index,
          status: 'error',
          error: new ItemError(
            OutcomeErrorCode.OUTCOME_EXTERNAL_ID_CONFLICT,
            at(f.c, 'externalId'),
            `externalId "${f.row.externalId}" was recorded as outcome ${row.id} with different content (contentSha256 ${row.content_sha256})`,
          ),
        });
    }
    return results.sort((a, b) => a.index - b.index);
  }

  /**
   * The contracts' rules: from the kept copies when `useKept` and the scope sees them, the rest read
   * (and kept). `kept` tells whether any came from a copy.
   */
  private async rulesOf(
    scope: Scope,
    contractIds: string[],
    em: EntityManager | undefined,
    useKept: boolean,
  ): Promise<{ byContract: Map<string, ContractRules>; kept: boolean }> {
    const byContract = new Map<string, ContractRules>();
    const missing: string[] = [];
    for (const id of contractIds) {
      const hit = useKept ? this.kept.get(scope.vendorId, id) : undefined;
      if (hit && scopeSeesContract(scope, { vendorId: scope.vendorId, id, customerId: hit.contract.customer_id })) byContract.set(id, hit);
      else missing.push(id);
    }
    const kept = byContract.size > 0;
    if (missing.length === 0) return { byContract, kept };
    for (const contract of await this.contracts.contractsWithTerms(scope, missing, em)) {
      const r: ContractRules = { contract, versions: contract.versions.map((v) => ({ effectiveFrom: v.effectiveFrom, rules: typeRulesOf(v.document) })) };
      byContract.set(contract.id, r);
      this.kept.set(scope.vendorId, r);
    }
    return { byContract, kept };
  }

  /** Each candidate checked against its contract: refusals, the first of each externalId, and repeats of one in the same request. */
  private prepareAll(candidates: Candidate[], rulesByContract: Map<string, ContractRules>, at: (c: Candidate, field: string) => string) {
    const results: RecordResult[] = [];
    const fresh: Array<{ c: Candidate; row: NewOutcome }> = [];
    const firstByKey = new Map<string, number>();
    const repeats: Array<{ c: Candidate; row: NewOutcome }> = [];
    for (const c of candidates) {
      const prepared = this.prepare(c, rulesByContract.get(c.contractId), (f) => at(c, f));
      if (prepared instanceof ItemError) {
        results.push({ index: c.index, status: 'error', error: prepared });
        continue;
      }
      // The same externalId twice in one request: the first is recorded, the rest are replays of it.
      const key = outcomeKey(c.contractId, prepared.externalId);
      if (firstByKey.has(key)) repeats.push({ c, row: prepared });
      else {
        firstByKey.set(key, c.index);
        fresh.push({ c, row: prepared });
      }
    }
    return { results, fresh, repeats };
  }

  /** Checks one outcome against its contract and the terms in force when it occurred; normalises and hashes it. */
  private prepare(c: Candidate, rules: ContractRules | undefined, at: (field: string) => string): NewOutcome | ItemError {
    const d = c.dto;
    if (!rules) return new ItemError(OutcomeErrorCode.CONTRACT_NOT_FOUND, at('contractId'), `contract ${c.contractId} was not found`);
    const { contract } = rules;
    if (d.currency !== undefined && d.currency !== contract.currency)
      return new ItemError(OutcomeErrorCode.CURRENCY_MISMATCH, at('currency'), `must be ${contract.currency}, the contract’s currency; got ${d.currency}`);
    const instant = new Date(d.occurredAt);
    const day = localDate(instant, contract.timezone);
    if (day < contract.starts_on || (contract.ends_on !== null && day > contract.ends_on))
      return new ItemError(
        OutcomeErrorCode.OCCURRED_OUTSIDE_CONTRACT,
        at('occurredAt'),
        `is ${day} in ${contract.timezone}, outside the contract (${contract.starts_on} to ${contract.ends_on ?? 'open end'})`,
      );
    const version = versionInForce(rules.versions, day);
    if (!version) return new ItemError(OutcomeErrorCode.OCCURRED_OUTSIDE_CONTRACT, at('occurredAt'), `no terms are in force on ${day}`);
    const verification = version.rules.verification.get(d.type);
    if (!verification)
      return new ItemError(
        OutcomeErrorCode.OUTCOME_TYPE_UNKNOWN,
        at('type'),
        `"${d.type}" is not an outcome type of the terms in force on ${day}; known: ${[...version.rules.verification.keys()].join(', ')}`,
      );
    const amount = amountOf(version.rules, d.type, d.quantity, d.value);
    if ('field' in amount) return new ItemError(OutcomeErrorCode.OUTCOME_AMOUNT_MISSING, at(amount.field), amount.message);

    const evidence = this.checkEvidence(d, at);
    if (evidence instanceof ItemError) return evidence;

    const occurredAt = instant.toISOString();
    const dimensions = d.dimensions ?? {};
    const correctsOutcomeId = c.correctsOutcomeId ?? null;
    const quantity = normalDecimal(amount.quantity);
    const value = normalDecimal(d.value);
    return {
      contractId: c.contractId,
      externalId: d.externalId,
      type: d.type,
      quantity,
      value,
      occurredAt,
      dimensions,
      evidence: d.evidence ?? null,
      evidenceJson: evidence.json,
      evidenceUri: d.evidenceUri ?? null,
      evidenceSha256: evidence.sha256,
      // Metered usage is verified by the system as it is recorded; the rest waits for its verifier.
      status: transitionOf('auto_verify').verifiers.includes(verification) ? 'verified' : 'recorded',
      contentSha256: contentSha256({
        type: d.type,
        quantity,
        value,
        occurredAt,
        dimensions,
        evidenceSha256: evidence.sha256,
        evidenceUri: d.evidenceUri ?? null,
        correctsOutcomeId,
      }),
      correctsOutcomeId,
      objectionWindow: verification === 'customer' ? (version.rules.objectionWindows.get(d.type) ?? null) : null,
      timezone: contract.timezone,
    };
  }

  private checkEvidence(
    d: OutcomeContentDto,
    at: (field: string) => string,
  ): { json: string | null; sha256: string | null } | ItemError {
    if (d.evidence !== undefined && d.evidenceUri !== undefined)
      return new ItemError(OutcomeErrorCode.EVIDENCE_INVALID, at('evidenceUri'), 'give inline evidence or evidenceUri, not both');
    if (d.evidenceUri !== undefined && d.evidenceSha256 === undefined)
      return new ItemError(OutcomeErrorCode.EVIDENCE_INVALID, at('evidenceSha256'), 'is required with evidenceUri');
    if (d.evidence === undefined && d.evidenceUri === undefined) {
      if (d.evidenceSha256 !== undefined)
        return new ItemError(OutcomeErrorCode.EVIDENCE_INVALID, at('evidenceSha256'), 'needs the evidence or its evidenceUri');
      return { json: null, sha256: null };
    }
    if (d.evidence === undefined) return { json: null, sha256: d.evidenceSha256! };
    const digest = evidenceDigest(d.evidence);
    if (d.evidenceSha256 !== undefined && d.evidenceSha256 !== digest)
      return new ItemError(
        OutcomeErrorCode.EVIDENCE_HASH_MISMATCH,
        at('evidenceSha256'),
        `the SHA-256 of the evidence’s canonical JSON is ${digest}, not ${d.evidenceSha256}`,
      );
    return { json: JSON.stringify(d.evidence), sha256: digest };
  }

  private itemErrorView(e: ItemError): ItemErrorView {
    return { code: e.code, field: e.field, message: e.message, ...(e.errors && e.errors.length > 1 ? { errors: e.errors } : {}) };
  }

  private toException(e: ItemError): DomainException {
    const code = e.code as OutcomeErrorCode;
    return OutcomeError.create(code, `${e.field}: ${e.message}`, e.errors ?? [{ field: e.field, message: e.message }]);
  }

  // ── corrections ──────────────────────────────────────────────────────────────────────────────

  /**
   * A correction is a new outcome naming the original; the original is reversed in the same
   * transaction. A replay of the same correction (same externalId, same content) answers the stored one.
   */
  async correct(p: Principal, id: string, dto: CorrectOutcomeDto): Promise<{ duplicate: boolean; outcome: OutcomeDetailView }> {
    const scope = scopeOf(p);
    return this.repo.transaction(async (em) => {
      const original = await this.visibleOutcome(scope, id, em, true);
      const content: RecordOutcomeDto = asBatchItem({
        ...dto,
        type: dto.type ?? original.type,
        occurredAt: dto.occurredAt ?? original.occurred_at.toISOString(),
        dimensions: dto.dimensions ?? original.dimensions,
      });
      delete (content as { reason?: string }).reason;
      const correctable = refusal('correct', original.status, p.role) === null;
      // Not correctable any more: only a replay of the correction already stored can still answer.
      if (!correctable && (await this.repo.findByExternalIds(scope, [{ contractId: original.contract_id, externalId: dto.externalId }], em)).length === 0)
        throw OutcomeError.create(
          OutcomeErrorCode.OUTCOME_TRANSITION_INVALID,
          `a ${original.status} outcome cannot be corrected: correct its correction, or record a new outcome`,
          undefined,
          { currentStatus: original.status },
        );
      const [r] = await this.record(p, [{ index: 0, contractId: original.contract_id, dto: content, correctsOutcomeId: original.id }], {
        batch: false,
        em,
      });
      if (r.status === 'error') throw this.toException(r.error);
      if (r.status === 'duplicate') return { duplicate: true, outcome: await this.detailOf(scope, r.outcome.id, em) };
      const reason = `corrected by ${r.outcome.id}${dto.reason ? `: ${dto.reason}` : ''}`;
      await this.repo.transition(scope, em, original, transitionOf('correct').to, actorOf(p), reason);
      return { duplicate: false, outcome: await this.detailOf(scope, r.outcome.id, em) };
    });
  }

  // ── verification, disputes ───────────────────────────────────────────────────────────────────

  verify(p: Principal, id: string, reason: string | null): Promise<OutcomeDetailView> {
    return this.decide(p, id, 'verified', reason);
  }

  reject(p: Principal, id: string, reason: string): Promise<OutcomeDetailView> {
    return this.decide(p, id, 'rejected', reason);
  }

  /** The customer accepts or refuses a `recorded` claim; vendor keys may not (they made the claim). */
  private async decide(p: Principal, id: string, to: 'verified' | 'rejected', reason: string | null): Promise<OutcomeDetailView> {
    const scope = scopeOf(p);
    const action = to === 'verified' ? 'verify' : 'reject';
    const detail = await this.repo.transaction(async (em) => {
      const o = await this.visibleOutcome(scope, id, em, true);
      this.allow(action, o.status, p);
      const refused = this.decisionRefused((await this.decidersOf(scope, [o], em)).get(o.id)!, p, o.type);
      if (refused) throw refused;
      if (to === 'rejected' && (await this.repo.objectionLapsed(scope, em, o.id)))
        throw OutcomeError.create(
          OutcomeErrorCode.OBJECTION_WINDOW_CLOSED,
          `the objection window lapsed at ${o.deemed_after?.toISOString()}: the outcome is deemed accepted; dispute it instead`,
        );
      const moved = await this.repo.transition(scope, em, o, to, actorOf(p), reason);
      return this.repo.detail(scope, moved, em);
    });
    if (to === 'verified') await this.verifiedIn(p.vendorId, [detail.contractId]);
    return detail;
  }

  async bulkVerify(p: Principal, ids: string[], reason: string | null): Promise<BulkVerifyView> {
    const { moved, failed } = await this.bulkDecide(p, ids, 'verified', reason);
    return { verified: moved, failed };
  }

  async bulkReject(p: Principal, ids: string[], reason: string): Promise<BulkRejectView> {
    const { moved, failed } = await this.bulkDecide(p, ids, 'rejected', reason);
    return { rejected: moved, failed };
  }

  /**
   * Applies what can be applied and reports the rest per id, like the batch: one statement moves every
   * listed `recorded` outcome of the customer's contracts; ids not seen answer OUTCOME_NOT_FOUND, ids
   * in another status OUTCOME_TRANSITION_INVALID.
   */
  private async bulkDecide(p: Principal, ids: string[], to: 'verified' | 'rejected', reason: string | null) {
    const scope = scopeOf(p);
    this.allow(to === 'verified' ? 'verify' : 'reject', null, p);
    const unique = [...new Set(ids.map((i) => i.toLowerCase()))];
    // Outcomes the terms give to another party fail with the code a single decision answers.
    const subjects = await this.repo.decisionSubjects(scope, unique);
    const deciders = await this.decidersOf(scope, subjects);
    const refusedCode = new Map<string, string>();
    for (const s of subjects) {
      const refused = this.decisionRefused(deciders.get(s.id)!, p, s.type);
      if (refused) refusedCode.set(s.id, refused.code);
    }
    const moved = new Set(await this.repo.bulkDecide(scope, unique.filter((i) => !refusedCode.has(i)), to, actorOf(p), reason));
    if (to === 'verified') await this.verifiedIn(p.vendorId, subjects.filter((s) => moved.has(s.id)).map((s) => s.contract_id));
    const rest = unique.filter((i) => !moved.has(i));
    const statuses = await this.repo.statusesOf(scope, rest);
    const failed: BulkFailureView[] = rest.map((i) => ({
      id: i,
      code: refusedCode.get(i) ?? (statuses.has(i) ? OutcomeErrorCode.OUTCOME_TRANSITION_INVALID : OutcomeErrorCode.OUTCOME_NOT_FOUND),
    }));
    return { moved: moved.size, failed };
  }

  /** The customer disputes a verified outcome within the dispute window of the terms it was recorded under. */
  dispute(p: Principal, id: string, reason: string): Promise<OutcomeDetailView> {
    const scope = scopeOf(p);
    return this.repo.transaction(async (em) => {
      let o = await this.visibleOutcome(scope, id, em, true);
      // A claim whose objection window lapsed is already accepted (billing counts it): deem it now
      // if the sweep has not, then dispute it like any verified outcome.
      if (o.status === 'recorded' && (await this.repo.objectionLapsed(scope, em, o.id))) {
        await this.repo.deemLapsed(scope, 1, em, [o.id]);
        o = await this.visibleOutcome(scope, id, em, true);
      }
      this.allow('dispute', o.status, p);
      const days = await this.disputeWindowDays(scope, o, em);
      const window = await this.repo.disputeState(scope, em, o.id, days);
      if (window.disputedBefore)
        throw OutcomeError.create(OutcomeErrorCode.OUTCOME_ALREADY_DISPUTED, 'its dispute was resolved; a dispute is raised once');
      if (!window.open)
        throw OutcomeError.create(
          OutcomeErrorCode.DISPUTE_WINDOW_CLOSED,
          `verified at ${o.verified_at?.toISOString()}; the terms allow disputes for ${days} days after verification`,
        );
      const detail = await this.repo.detail(scope, await this.repo.transition(scope, em, o, 'disputed', actorOf(p), reason), em);
      // The vendor learns of the dispute from the outbox, committed with the dispute itself.
      await this.webhooks.enqueue(em, p.vendorId, 'outcome.disputed', { outcome: detail, reason });
      return detail;
    });
  }

  /** The vendor resolves a dispute: uphold (verified again) or reverse. */
  async resolve(p: Principal, id: string, to: 'verified' | 'reversed', reason: string | null): Promise<OutcomeDetailView> {
    const scope = scopeOf(p);
    const detail = await this.repo.transaction(async (em) => {
      const o = await this.visibleOutcome(scope, id, em, true);
      this.allow(to === 'verified' ? 'uphold' : 'reverse', o.status, p);
      return this.repo.detail(scope, await this.repo.transition(scope, em, o, to, actorOf(p), reason), em);
    });
    if (to === 'verified') await this.verifiedIn(p.vendorId, [detail.contractId]);
    return detail;
  }

  /**
   * The transition table decides: a role it does not list is refused first (403), then a status
   * it does not move from (409). `from` null checks the role only (bulk decisions check each id's
   * status in SQL).
   */
  private allow(action: OutcomeAction, from: OutcomeStatus | null, p: Principal): void {
    const t = transitionOf(action);
    if (!t.by.includes(p.role))
      throw OutcomeError.create(
        OutcomeErrorCode.VERIFICATION_NOT_ALLOWED_FOR_ROLE,
        `only the ${t.by.map((r) => (r === 'customer' ? 'customer’s' : r)).join(' or ')} key may ${action} an outcome; a ${p.role} key may not`,
      );
    if (from !== null && refusal(action, from, p.role) === 'status') throw this.transitionInvalid(from, t.to);
  }

  /**
   * Who decides each outcome: by the terms in force on its local date, the verifier they name for
   * its type if that verifier is registered, else the customer (`deciderOf`).
   */
  private async decidersOf(
    scope: Scope,
    outcomes: ReadonlyArray<Pick<OutcomeRow, 'id' | 'contract_id' | 'type' | 'occurred_at'>>,
    em?: EntityManager,
  ): Promise<Map<string, Decider>> {
    if (outcomes.length === 0) return new Map();
    const contracts = new Map(
      (await this.contracts.contractsWithTerms(scope, [...new Set(outcomes.map((o) => o.contract_id))], em)).map((c) => [c.id, c]),
    );
    const named = outcomes.map((o) => {
      const contract = contracts.get(o.contract_id);
      const version = contract ? versionInForce(contract.versions, localDate(o.occurred_at, contract.timezone)) : undefined;
      const rules = version ? typeRulesOf(version.document) : undefined;
      return { id: o.id, verification: rules?.verification.get(o.type), ref: rules?.verifiers.get(o.type) };
    });
    const refs = [...new Set(named.flatMap((n) => (n.verification === 'third_party' && n.ref !== undefined ? [n.ref] : [])))];
    // Verifiers are the vendor's parties; a customer's or a verifier's scope still names them.
    const registered = new Map<string, NamedVerifier>();
    for (const v of await this.verifiers.findByKeysOrIds(vendorScope(scope.vendorId), refs, em)) {
      const nv = { id: v.id, key: v.key, name: v.name };
      registered.set(v.key, nv);
      registered.set(v.id, nv);
    }
    return new Map(named.map((n) => [n.id, deciderOf(n.verification, n.ref, registered)]));
  }

  /** The 403 for a caller who may not decide this outcome, or null. */
  private decisionRefused(decider: Decider, p: Principal, type: string): DomainException | null {
    const why = decisionRefusal(decider, p);
    if (why === 'decided_by_verifier' && decider.kind === 'verifier')
      return OutcomeError.create(
        OutcomeErrorCode.OUTCOME_DECIDED_BY_VERIFIER,
        `the terms name ${decider.verifier.name} (${decider.verifier.key}) as the verifier of "${type}" outcomes: only its keys may verify or reject them; the customer may dispute once verified`,
        undefined,
        { verifierId: decider.verifier.id, verifierKey: decider.verifier.key },
      );
    if (why === 'verifier_not_assigned')
      return OutcomeError.create(
        OutcomeErrorCode.VERIFIER_NOT_ASSIGNED,
        decider.kind === 'verifier'
          ? `the terms name another verifier for "${type}" outcomes`
          : `the terms do not name a verifier for "${type}" outcomes: the customer decides them`,
      );
    return null;
  }

  /** The dispute window of the terms in force on the outcome's local date (contract timezone). */
  private async disputeWindowDays(scope: Scope, o: OutcomeRow, em: EntityManager): Promise<number> {
    const [contract] = await this.contracts.contractsWithTerms(scope, [o.contract_id], em);
    const version = contract ? versionInForce(contract.versions, localDate(o.occurred_at, contract.timezone)) : undefined;
    return disputeWindowDaysOf(version?.document);
  }

  private transitionInvalid(from: OutcomeStatus, to: OutcomeStatus): DomainException {
    return OutcomeError.create(OutcomeErrorCode.OUTCOME_TRANSITION_INVALID, `a ${from} outcome cannot become ${to}`, undefined, {
      currentStatus: from,
    });
  }

  // ── reads ────────────────────────────────────────────────────────────────────────────────────

  private async visibleOutcome(scope: Scope, id: string, em?: EntityManager, forUpdate = false): Promise<OutcomeRow> {
    const o = await this.repo.findOne(scope, id, { forUpdate }, em);
    if (!o)
      throw OutcomeError.create(OutcomeErrorCode.OUTCOME_NOT_FOUND, `outcome ${id} was not found`);
    return o;
  }

  private async detailOf(scope: Scope, id: string, em?: EntityManager): Promise<OutcomeDetailView> {
    return this.repo.detail(scope, await this.visibleOutcome(scope, id, em), em);
  }

  async get(p: Principal, id: string): Promise<OutcomeDetailView> {
    const scope = scopeOf(p);
    const [detail] = await this.withLocalTime(scope, [await this.detailOf(scope, id)]);
    return detail;
  }

  /** The answers' outcomes with occurredAt also as local time in their contract's timezone. */
  private async withLocalTime<T extends OutcomeView>(scope: Scope, views: T[]): Promise<T[]> {
    const zones = await this.contracts.timezones(scope, [...new Set(views.map((v) => v.contractId))]);
    return views.map((v) => {
      const timezone = zones.get(v.contractId);
      return timezone ? { ...v, occurredAtLocal: localDateTime(v.occurredAt, timezone), timezone } : v;
    });
  }

  async list(p: Principal, q: OutcomeListQuery): Promise<Page<OutcomeView>> {
    const limit = q.limit ?? 50;
    const rows = await this.repo.page(
      scopeOf(p),
      this.filterOf(q),
      limit,
    );
    const more = rows.length > limit;
    const pageRows = more ? rows.slice(0, limit) : rows;
    return { data: await this.withLocalTime(scopeOf(p), pageRows.map(toOutcomeView)), nextCursor: more ? encodeCursor(pageRows[pageRows.length - 1].id) : null };
  }

  /** How many outcomes match the list filters, per status (counted in SQL; status and cursor ignored). */
  async countByStatus(p: Principal, q: OutcomeListQuery): Promise<Record<OutcomeStatus, number>> {
    const counts = ALL_STATUSES();
    for (const r of await this.repo.countByStatus(scopeOf(p), this.filterOf(q))) counts[r.status] = r.n;
    return counts;
  }

  private filterOf(q: OutcomeListQuery) {
    return { contractId: q.contractId, type: q.type, status: q.status, period: q.period ? monthPeriod(q.period) : undefined,
      occurredFrom: q.occurredFrom, occurredTo: q.occurredTo, dimensions: q.dimensions, cursor: q.cursor };
  }

  /** Counts by status, acceptance rate and sums per type for one month in the contract's timezone. */
  async stats(p: Principal, contractId: string, period: string): Promise<OutcomeStatsView> {
    const scope = scopeOf(p);
    const [contract] = await this.contracts.contractsWithTerms(scope, [contractId]);
    if (!contract) throw notFound('contract', contractId);
    let bounds: { start: string; end: string };
    try {
      bounds = monthPeriod(period);
    } catch {
      throw OutcomeError.create(OutcomeErrorCode.PERIOD_INVALID, undefined, [{ field: 'period', message: 'must be a month YYYY-MM' }]);
    }
    const rows = await this.repo.stats(scope, contract.id, { ...bounds, timezone: contract.timezone });
    const byStatus = ALL_STATUSES();
    const verifiedBy = { confirmed: 0, deemed: 0 };
    const byType = new Map<string, OutcomeTypeStatsView & { q: Money; v: Money; vq: Money; vv: Money }>();
    for (const r of rows) {
      byStatus[r.status] += r.n;
      if (r.status === 'verified') {
        verifiedBy.deemed += r.deemed;
        verifiedBy.confirmed += r.n - r.deemed;
      }
      let t = byType.get(r.type);
      if (!t) {
        t = {
          type: r.type, count: 0, byStatus: ALL_STATUSES(), verifiedBy: { confirmed: 0, deemed: 0 }, quantitySum: '0', valueSum: '0', verifiedQuantitySum: '0', verifiedValueSum: '0', acceptanceRate: null,
          q: new Money(0), v: new Money(0), vq: new Money(0), vv: new Money(0),
        };
        byType.set(r.type, t);
      }
      t.count += r.n;
      t.byStatus[r.status] += r.n;
      t.q = t.q.plus(r.quantity);
      t.v = t.v.plus(r.value);
      if (r.status === 'verified') {
        t.verifiedBy = { confirmed: r.n - r.deemed, deemed: r.deemed };
        t.vq = t.vq.plus(r.quantity);
        t.vv = t.vv.plus(r.value);
      }
    }
    const rate = (s: Record<OutcomeStatus, number>) => acceptanceRate(s.verified, s.rejected);
    return {
      contractId: contract.id,
      period: bounds,
      timezone: contract.timezone,
      currency: contract.currency,
      count: rows.reduce((n, r) => n + r.n, 0),
      byStatus,
      verifiedBy,
      acceptanceRate: rate(byStatus),
      byType: [...byType.values()].map(({ q, v, vq, vv, ...t }) => ({
        ...t,
        quantitySum: q.toFixed(),
        valueSum: v.toFixed(),
        verifiedQuantitySum: vq.toFixed(),
        verifiedValueSum: vv.toFixed(),
        acceptanceRate: rate(t.byStatus),
      })),
    };
  }
}
