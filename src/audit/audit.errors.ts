import { defineErrors } from '../common/errors/domain-exception';

export enum AuditErrorCode {
  RANGE_INVALID = 'RANGE_INVALID',
  VENDOR_BUNDLE_NOT_ALLOWED = 'VENDOR_BUNDLE_NOT_ALLOWED',
}

export const AuditError = defineErrors<AuditErrorCode>({
  RANGE_INVALID: { status: 422, title: 'The period range is not valid' },
  VENDOR_BUNDLE_NOT_ALLOWED: { status: 403, title: 'Only vendor admins and auditors may export the whole vendor’s evidence' },
});
