/**
 * 统一社会信用代码 (GB 32100-2015): authority (1) + category (1) + division of the registering
 * office (6 digits) + organisation code (9, GB 11714, with its own check) + check character
 * (ISO 7064 MOD 31-3) over the alphabet 0-9 A-Z without I O Z S V.
 *
 * An unknown division is a warning, not an error: the code is fixed for the organisation's life,
 * while registering offices are merged and renumbered (and some zones use local codes), so a
 * correct code can carry a division today's table lacks. Both check characters still protect it.
 */
import { validationError, type FieldIssue } from '../core/errors.js';
import { lookupDivision } from './division.js';
import {
  badCharacter,
  badLength,
  checkMismatch,
  emptyValue,
  fail,
  finish,
  isDigit,
  upperCaseAscii,
  type StandardsIssue,
  type ValidationResult,
} from './issues.js';
import { USCC_AUTHORITIES } from './uscc-authorities.js';

export interface UsccParts {
  /** The 18 characters, upper case. */
  normalized: string;
  authorityCode: string;
  authorityName: string;
  categoryCode: string;
  categoryName: string;
  divisionCode: string;
  /** Full name of the registering office's division, or null when the table lacks it. */
  divisionName: string | null;
  /** Positions 9–17, GB 11714 (its last character is its own check). */
  organisationCode: string;
  checkChar: string;
}

export const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];
const ORG_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
/** Registering offices of the central government use 100000, which GB/T 2260 does not list. */
const CENTRAL = { code: '100000', name: '中央（国家级）' };
const WHAT = { zh: '统一社会信用代码', en: 'The USCC' };
const ALPHABET_TEXT = { zh: '数字或大写字母（不含 I、O、Z、S、V）', en: 'a digit or an upper-case letter other than I, O, Z, S, V' };

const PART_KEYS: Record<keyof UsccParts, true> = {
  normalized: true,
  authorityCode: true,
  authorityName: true,
  categoryCode: true,
  categoryName: true,
  divisionCode: true,
  divisionName: true,
  organisationCode: true,
  checkChar: true,
};

/**
 * The GB 11714 check character of an organisation code's first 8 characters (0-9, A-Z).
 *
 * @example orgCodeCheckChar('M000100Y') // '4'
 * @throws AppError VALIDATION_FAILED when the input is not 8 characters of 0-9 A-Z
 */
export function orgCodeCheckChar(first8: string): string {
  if (!/^[0-9A-Z]{8}$/.test(first8)) throw validationError([{ field: 'first8', reason: '应为 8 位数字或大写字母' }]);
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += ORG_ALPHABET.indexOf(first8[i] ?? '') * (ORG_WEIGHTS[i] ?? 0);
  const c = 11 - (sum % 11);
  return c === 10 ? 'X' : c === 11 ? '0' : String(c);
}

/**
 * The GB 32100 check character of a USCC's first 17 characters.
 *
 * @example usccCheckChar('91350100M000100Y4') // '3'
 * @throws AppError VALIDATION_FAILED when the input is not 17 characters of the USCC alphabet
 */
export function usccCheckChar(first17: string): string {
  const chars = Array.from(first17);
  if (chars.length !== 17 || !chars.every((c) => USCC_ALPHABET.includes(c))) {
    throw validationError([{ field: 'first17', reason: '应为 17 位统一社会信用代码字符' }]);
  }
  const sum = chars.reduce((s, c, i) => s + USCC_ALPHABET.indexOf(c) * (USCC_WEIGHTS[i] ?? 0), 0);
  return USCC_ALPHABET[(31 - (sum % 31)) % 31] ?? '';
}

/**
 * Builds a valid USCC, computing both check characters (for seeding demo data).
 *
 * @example makeUscc('9', '1', '350100', 'M000100Y') // '91350100M000100Y43'
 * @throws AppError VALIDATION_FAILED for an authority/category not in GB 32100, a division that is
 *   not 6 digits, or a body that is not 8 characters of the USCC alphabet
 */
export function makeUscc(authority: string, category: string, divisionCode: string, orgCodeBody: string): string {
  const issues: FieldIssue[] = [];
  const auth = USCC_AUTHORITIES[authority];
  if (!auth) issues.push({ field: 'authority', reason: '不是 GB 32100 登记管理部门代码' });
  else if (auth.categories[category] === undefined) issues.push({ field: 'category', reason: '不是该部门的机构类别代码' });
  if (!/^\d{6}$/.test(divisionCode)) issues.push({ field: 'divisionCode', reason: '应为 6 位数字' });
  if (!/^[0-9A-Z]{8}$/.test(orgCodeBody) || !Array.from(orgCodeBody).every((c) => USCC_ALPHABET.includes(c))) {
    issues.push({ field: 'orgCodeBody', reason: '应为 8 位数字或大写字母（不含 I、O、Z、S、V）' });
  }
  if (issues.length > 0) throw validationError(issues);
  const first17 = authority + category + divisionCode + orgCodeBody + orgCodeCheckChar(orgCodeBody);
  return first17 + usccCheckChar(first17);
}

function checkCharacters(chars: string[], errors: StandardsIssue[]): void {
  chars.forEach((c, i) => {
    const pos = i + 1;
    if (pos >= 3 && pos <= 8) {
      if (!isDigit(c)) errors.push(badCharacter(pos, c, '数字 0–9（登记管理机关行政区划码）', 'a digit 0-9 (division code)'));
    } else if (!USCC_ALPHABET.includes(c)) {
      errors.push(badCharacter(pos, c, ALPHABET_TEXT.zh, ALPHABET_TEXT.en));
    }
  });
}

function decodeAuthority(chars: string[], errors: StandardsIssue[], parsed: Partial<UsccParts>): void {
  const [a = '', c = ''] = chars;
  if (!USCC_ALPHABET.includes(a)) return;
  const auth = USCC_AUTHORITIES[a];
  if (!auth) {
    errors.push({
      code: 'UNKNOWN_AUTHORITY',
      position: 1,
      actual: a,
      expected: Object.keys(USCC_AUTHORITIES).join(''),
      message: `第 1 位登记管理部门代码「${a}」不存在（应为 1–9、A、N 或 Y）`,
      messageEn: `Position 1: "${a}" is not a registering-authority code (1-9, A, N or Y)`,
    });
    return;
  }
  parsed.authorityCode = a;
  parsed.authorityName = auth.name;
  const category = auth.categories[c];
  if (category === undefined) {
    if (!USCC_ALPHABET.includes(c)) return;
    const allowed = Object.keys(auth.categories).join('、');
    errors.push({
      code: 'UNKNOWN_CATEGORY',
      position: 2,
      actual: c,
      expected: Object.keys(auth.categories).join(''),
      message: `第 2 位机构类别代码「${c}」不属于登记管理部门「${auth.name}」（应为 ${allowed}）`,
      messageEn: `Position 2: "${c}" is not an organisation category of authority ${a} (${auth.nameEn}); expected one of ${allowed.replaceAll('、', ', ')}`,
    });
    return;
  }
  parsed.categoryCode = c;
  parsed.categoryName = category;
}

function decodeDivision(code: string, warnings: StandardsIssue[], parsed: Partial<UsccParts>): void {
  parsed.divisionCode = code;
  const name = code === CENTRAL.code ? CENTRAL.name : lookupDivision(code)?.fullName;
  parsed.divisionName = name ?? null;
  if (name !== undefined) return;
  warnings.push({
    code: 'UNKNOWN_DIVISION',
    position: 3,
    actual: code,
    message: `第 3–8 位登记管理机关行政区划码 ${code} 不在现行区划表中（可能是已撤并的区划，请核实）`,
    messageEn: `Positions 3-8: division ${code} is not in the current table (it may have been abolished; please check)`,
  });
}

/**
 * Validates a 统一社会信用代码, collecting every reason (characters, authority and category,
 * organisation-code check, overall check). Lower-case letters are read as upper case, with a warning.
 *
 * @example validateUscc('91350100M000100Y43').parsed // { authorityName: '工商（市场监管）', categoryName: '企业', divisionName: '福建省福州市', … }
 */
export function validateUscc(value: string): ValidationResult<UsccParts> {
  const warnings: StandardsIssue[] = [];
  const chars = upperCaseAscii(Array.from(value), warnings);
  if (chars.length === 0) return fail([emptyValue(WHAT)], warnings, {});
  const errors: StandardsIssue[] = [];
  if (chars.length !== 18) errors.push(badLength('18', chars.length, WHAT));
  checkCharacters(chars, errors);
  if (chars.length !== 18) return fail(errors, warnings, {});

  const text = chars.join('');
  const parsed: Partial<UsccParts> = {};
  decodeAuthority(chars, errors, parsed);
  if (chars.slice(2, 8).every(isDigit)) decodeDivision(text.slice(2, 8), warnings, parsed);

  const inAlphabet = (from: number, to: number): boolean => chars.slice(from, to).every((c) => USCC_ALPHABET.includes(c));
  if (inAlphabet(8, 17)) {
    const expected = orgCodeCheckChar(text.slice(8, 16));
    const actual = chars[16] ?? '';
    if (actual === expected) parsed.organisationCode = text.slice(8, 17);
    else errors.push(checkMismatch(17, expected, actual, 'ORG_CODE_CHECK_MISMATCH'));
  }
  if (inAlphabet(0, 18)) {
    const expected = usccCheckChar(text.slice(0, 17));
    const actual = chars[17] ?? '';
    if (actual === expected) {
      parsed.checkChar = expected;
      parsed.normalized = text;
    } else {
      errors.push(checkMismatch(18, expected, actual));
    }
  }
  return finish(errors, warnings, parsed, PART_KEYS);
}
