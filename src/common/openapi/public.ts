/** Set on `@Public()` routes (src/auth/principal.ts); `buildOpenApiDocument` turns it into `security: []` and removes it. */
export const PUBLIC_EXTENSION = 'x-outcome-ledger-public';
