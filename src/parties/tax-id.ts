// Tax identifiers printed on invoices. For China the 18-character unified social credit code
// (统一社会信用代码, GB 32100-2015) carries a check character: a typo is refused at the edge
// rather than discovered when the customer's finance team cannot book the invoice. Elsewhere the
// id is free text (VAT numbers, EINs… each have their own rules, not modelled here).

/** The code's alphabet: digits and capitals without I, O, S, V, Z (GB 32100-2015 table 1). */
const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
/** Weight of position i is 3^i mod 31. */
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const SHAPE = /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/;

/** The check character of the first 17 characters of a unified social credit code. */
export function creditCodeCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += ALPHABET.indexOf(first17[i]) * WEIGHTS[i];
  return ALPHABET[(31 - (sum % 31)) % 31];
}

/** Why a unified social credit code is not valid, or null when it is. */
export function creditCodeProblem(code: string): string | null {
  if (code.length !== 18) return 'a unified social credit code has 18 characters';
  if (!SHAPE.test(code)) return 'a unified social credit code uses digits and capitals other than I, O, S, V, Z, with a 6-digit region code';
  if (creditCodeCheckChar(code.slice(0, 17)) !== code[17]) return 'the check character of the unified social credit code does not match (GB 32100-2015)';
  return null;
}

/** Why a tax id is not valid for its country, or null. Only CN ids are checked. */
export function taxIdProblem(country: string | null | undefined, taxId: string): string | null {
  if (country === 'CN') return creditCodeProblem(taxId);
  return taxId.trim().length === 0 ? 'must not be blank' : null;
}
