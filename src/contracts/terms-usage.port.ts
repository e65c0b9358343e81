import type { Scope } from '../auth/scope';
import type { Queryable } from '../common/sql';

/**
 * What contracts needs to know of billing without knowing billing: how far a contract is
 * invoiced. Terms of an invoiced period are frozen, so an amendment may not take effect before
 * that date. Invoicing provides it (src/invoicing/terms-usage.provider.ts); contracts depends on
 * this port only, so contracts never imports invoicing.
 */
export interface TermsUsage {
  /** The end (exclusive) of the contract's last period whose invoice left draft, or null. */
  invoicedThrough(scope: Scope, contractId: string, em: Queryable): Promise<string | null>;
}

export const TERMS_USAGE = Symbol('TERMS_USAGE');
