import { CATALOGS, translate } from './i18n';

describe('portal catalogs', () => {
  it('hold the same messages in Chinese and English', () => {
    expect(Object.keys(CATALOGS['zh-CN']).sort()).toEqual(Object.keys(CATALOGS.en).sort());
  });

  it('fill placeholders', () => {
    expect(translate('en', 'inbox.count', { n: 3 })).toContain('3');
  });
});
