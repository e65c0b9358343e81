// Public API of the pure pricing engine.
export * from './types';
export { ENGINE_VERSION, PricingInputError, priceInvoice, pickMeasurement, usageAmount } from './engine';
export { canonicalJson, CanonicalJsonError, sha256Hex } from '../kernel/canonical-json';
export { IdsDigest, negateAggregate } from './aggregates';
export { ISO_4217_CODES, isIsoCurrency, minorUnits } from '../kernel/currency';
export {
  aggregateMeasures,
  billableOutcomeTypes,
  breakdownDimensions,
  componentKey,
  componentMeasure,
  componentOutcomeType,
  componentVerification,
  guaranteeKpis,
  knownOutcomeTypes,
  parseTerms,
  type ParseTermsOptions,
  TERMS_DECIMAL,
} from './terms';
export { type AggregateMeasure, measureKey, measureOfOutcome } from './charges/measures';
export { CHARGE_MODELS, COMPONENT_TYPES, chargeModel, type ChargeModel } from './charges';
export { invoicePricingInput, periodAdjustments, pricingContractOf, type EarlierPeriodRows, type InvoiceRows } from './invoice-inputs';
export { versionForPeriod, versionInForce, versionSegments } from './terms-in-force';
export { periodStretches, termsForStretch } from './amendment';
export type { VersionSegment } from './terms-in-force';
export {
  activeDays,
  addDays,
  daysBetween,
  isIsoDate,
  isValidPeriod,
  monthPeriod,
  periodForCycle,
  periodLabel,
  yearPeriod,
} from './period';
