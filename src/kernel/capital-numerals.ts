// The amount in words on a Chinese invoice (人民币大写): 壹贰叁… with 拾佰仟 inside a group of four
// digits, 万/亿 between groups, 元角分, "整" when there are no cents. A zero run inside the
// number reads as one 零 (1,005 → 壹仟零伍元整). Only whole yuan and two decimals: the amount
// is rounded to the fen before it is written.
import { Dec, fixed, plain } from './decimal';

/** The value of one decimal digit character (no Number(): the source scan keeps money out of JS numbers). */
const digit = (c: string): number => '0123456789'.indexOf(c);

const DIGITS = '零壹贰叁肆伍陆柒捌玖';
const IN_GROUP = ['', '拾', '佰', '仟'];
const GROUPS = ['', '万', '亿', '万亿'];

export function cnyCapitalNumerals(amount: string): string {
  const d = new Dec(amount);
  if (d.isNegative() && !d.isZero()) return `负${cnyCapitalNumerals(plain(d.neg()))}`;
  const [yuanText, fenText] = fixed(d, 2, 'HALF_UP').split('.');
  const jiao = digit(fenText[0]);
  const fen = digit(fenText[1]);
  let yuan = '';
  if (yuanText !== '0') {
    const groups: string[] = [];
    for (let end = yuanText.length; end > 0; end -= 4) groups.unshift(yuanText.slice(Math.max(0, end - 4), end));
    let zeroPending = false;
    groups.forEach((g, gi) => {
      const groupIndex = groups.length - 1 - gi;
      let text = '';
      const padded = g.padStart(4, '0');
      for (let i = 0; i < 4; i++) {
        const n = digit(padded[i]);
        if (n === 0) {
          zeroPending = zeroPending || text !== '' || yuan !== '';
          continue;
        }
        if (zeroPending) text += '零';
        zeroPending = false;
        text += `${DIGITS[n]}${IN_GROUP[3 - i]}`;
      }
      if (text) yuan += `${text}${GROUPS[groupIndex]}`;
      // Trailing zeros of a group read as nothing: 130,8736 is 壹佰叁拾万捌仟…, not …万零捌仟….
      if (padded[3] === '0' && text) zeroPending = false;
    });
    yuan += '元';
  }
  if (jiao === 0 && fen === 0) return `${yuan || '零元'}整`;
  let cents = '';
  if (jiao > 0) cents += `${DIGITS[jiao]}角`;
  else if (yuan) cents += '零';
  if (fen > 0) cents += `${DIGITS[fen]}分`;
  return yuan + cents;
}
