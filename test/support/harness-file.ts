export const TEMPLATE_DB = 'ol_test_template';
