import { cnyCapitalNumerals } from './capital-numerals';

describe('CNY amounts in Chinese capital numerals (大写)', () => {
  it.each([
    ['0', '零元整'],
    ['10', '壹拾元整'],
    ['100.05', '壹佰元零伍分'],
    ['1234567.89', '壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分'],
    ['10000000.00', '壹仟万元整'],
    ['1005', '壹仟零伍元整'],
    ['100000001', '壹亿零壹元整'],
    ['20300', '贰万零叁佰元整'],
    ['0.5', '伍角'],
    ['0.05', '伍分'],
    ['3.10', '叁元壹角'],
    ['1060.999', '壹仟零陆拾壹元整'],
    ['-25.5', '负贰拾伍元伍角'],
  ])('writes %s as %s', (amount, words) => {
    expect(cnyCapitalNumerals(amount)).toBe(words);
  });
});
