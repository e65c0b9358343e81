export const TEMPLATE_DB = 'ol_test_template';

/** The owner and service roles' passwords for test clusters (roles are per cluster; never a real secret). */
export const TEST_ROLE_PASSWORDS = { owner: '0ed1e5ca1ab1e0000000000000000001', app: '0ed1e5ca1ab1e0000000000000000002' };
