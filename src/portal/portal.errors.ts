import { defineErrors } from '../common/errors/domain-exception';

export enum PortalErrorCode {
  LINK_INVALID = 'PORTAL_LINK_INVALID',
  SESSION_REQUIRED = 'PORTAL_SESSION_REQUIRED',
  CSRF_TOKEN_INVALID = 'PORTAL_CSRF_TOKEN_INVALID',
  CONSOLE_KEY_INVALID = 'PORTAL_CONSOLE_KEY_INVALID',
  SCOPE_REQUIRED = 'PORTAL_SCOPE_REQUIRED',
  NOT_FOUND = 'PORTAL_NOT_FOUND',
  FORM_INVALID = 'PORTAL_FORM_INVALID',
}

export const PortalError = defineErrors<PortalErrorCode>({
  PORTAL_LINK_INVALID: { status: 410, title: 'This sign-in link was already used, has expired or does not exist' },
  PORTAL_SESSION_REQUIRED: { status: 401, title: 'Sign in to the portal first' },
  PORTAL_CSRF_TOKEN_INVALID: { status: 403, title: 'The form is stale or did not come from this portal' },
  PORTAL_CONSOLE_KEY_INVALID: { status: 401, title: 'The console needs a live vendor admin API key' },
  PORTAL_SCOPE_REQUIRED: { status: 422, title: 'A portal link names one customer, or the contracts an auditor may see' },
  PORTAL_NOT_FOUND: { status: 404, title: 'Not found' },
  PORTAL_FORM_INVALID: { status: 422, title: 'The form is not valid' },
});
