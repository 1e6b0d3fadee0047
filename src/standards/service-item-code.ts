/**
 * 政务服务事项基本编码: item type (2 letters) + main item (5 digits) + sub-item (3 digits, 000 =
 * none). The implementation code (region + implementing agency's USCC appended) is not handled
 * here. Segment lengths are unverified against GB/T 39554.1 (see DOMAIN.md §1).
 */
import { badCharacter, badLength, emptyValue, fail, finish, isDigit, upperCaseAscii, type StandardsIssue, type ValidationResult } from './issues.js';

export const SERVICE_ITEM_TYPES: Readonly<Record<string, string>> = {
  XK: '行政许可',
  CF: '行政处罚',
  QZ: '行政强制',
  ZS: '行政征收',
  JF: '行政给付',
  JC: '行政检查',
  QR: '行政确认',
  JL: '行政奖励',
  CJ: '行政裁决',
  QT: '其他行政权力',
  GG: '公共服务',
};

export interface ServiceItemCodeParts {
  /** The 10 characters, upper case. */
  normalized: string;
  typeCode: string;
  typeName: string;
  /** 5 digits. */
  mainItem: string;
  /** 3 digits; '000' when the item has no sub-items. */
  subItem: string;
  hasSubItem: boolean;
}

const WHAT = { zh: '政务服务事项基本编码', en: 'The service item code' };
const PART_KEYS: Record<keyof ServiceItemCodeParts, true> = {
  normalized: true,
  typeCode: true,
  typeName: true,
  mainItem: true,
  subItem: true,
  hasSubItem: true,
};

/**
 * Validates a 政务服务事项基本编码 (e.g. XK00123001).
 *
 * @example validateServiceItemCode('XK00123000').parsed // { typeName: '行政许可', mainItem: '00123', subItem: '000', hasSubItem: false, … }
 */
export function validateServiceItemCode(value: string): ValidationResult<ServiceItemCodeParts> {
  const warnings: StandardsIssue[] = [];
  const chars = upperCaseAscii(Array.from(value), warnings);
  if (chars.length === 0) return fail([emptyValue(WHAT)], warnings, {});
  const errors: StandardsIssue[] = [];
  if (chars.length !== 10) errors.push(badLength('10', chars.length, WHAT));
  chars.forEach((c, i) => {
    if (i < 2 && !(c >= 'A' && c <= 'Z')) errors.push(badCharacter(i + 1, c, '大写字母（事项类型）', 'an upper-case letter (item type)'));
    if (i >= 2 && !isDigit(c)) errors.push(badCharacter(i + 1, c, '数字 0–9', 'a digit 0-9'));
  });
  if (chars.length !== 10) return fail(errors, warnings, {});

  const text = chars.join('');
  const parsed: Partial<ServiceItemCodeParts> = {};
  const typeCode = text.slice(0, 2);
  const typeName = SERVICE_ITEM_TYPES[typeCode];
  if (typeName !== undefined) Object.assign(parsed, { typeCode, typeName });
  else if (/^[A-Z]{2}$/.test(typeCode)) {
    errors.push({
      code: 'UNKNOWN_ITEM_TYPE',
      position: 1,
      actual: typeCode,
      expected: Object.keys(SERVICE_ITEM_TYPES).join(','),
      message: `第 1–2 位事项类型「${typeCode}」不存在（应为 ${Object.keys(SERVICE_ITEM_TYPES).join('、')}）`,
      messageEn: `Positions 1-2: "${typeCode}" is not an item type (${Object.keys(SERVICE_ITEM_TYPES).join(', ')})`,
    });
  }
  if (/^\d{5}$/.test(text.slice(2, 7))) parsed.mainItem = text.slice(2, 7);
  if (/^\d{3}$/.test(text.slice(7))) Object.assign(parsed, { subItem: text.slice(7), hasSubItem: text.slice(7) !== '000' });
  if (errors.length === 0) parsed.normalized = text;
  return finish(errors, warnings, parsed, PART_KEYS);
}
