/**
 * 公民身份号码 (GB 11643-1999): address code (6) + birth date YYYYMMDD (8) + sequence (3, odd =
 * male) + check character (ISO 7064 MOD 11-2). Legacy 15-digit numbers (YYMMDD, no check) are
 * upgraded by inserting "19" after the address code and computing the check character.
 *
 * The address code is the county code at the time of issue: it must have a known province prefix
 * but need not be in today's table (many counties have been renumbered since).
 */
import { isRealDate, parseIsoDate, resolveToday } from './dates.js';
import { lookupDivision, provinceOf } from './division.js';
import { validationError, type FieldIssue } from '../core/errors.js';
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

export interface CitizenIdParts {
  /** The 18-character number (upgraded when a 15-digit one was given), upper-case X. */
  normalized: string;
  regionCode: string;
  /** Full name of the address code when it is in today's table, else null. */
  regionName: string | null;
  provinceName: string;
  regionInTable: boolean;
  /** YYYY-MM-DD */
  birthDate: string;
  sex: 'male' | 'female';
  /** 0..999; odd = male. */
  sequence: number;
  checkChar: string;
  /** True when a legacy 15-digit number was given. */
  legacy15: boolean;
}

export interface CitizenIdOptions {
  /** "Today" for the future-birth-date check: `YYYY-MM-DD`, or a Date read in Beijing time. Default: now. */
  today?: Date | string;
}

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS = '10X98765432';
const WHAT = { zh: '公民身份号码', en: 'The identity number' };
/** Earliest birth year accepted: guards against years such as 0000 that no register can hold. */
const MIN_BIRTH_YEAR = 1800;
/** Prefixes of 港澳台居民居住证 numbers, which share this format but are not GB/T 2260 provinces' codes. */
const PERMIT_PROVINCES: Record<string, string> = { '83': '台湾地区（港澳台居民居住证）' };

const PART_KEYS: Record<keyof CitizenIdParts, true> = {
  normalized: true,
  regionCode: true,
  regionName: true,
  provinceName: true,
  regionInTable: true,
  birthDate: true,
  sex: true,
  sequence: true,
  checkChar: true,
  legacy15: true,
};

/**
 * The check character for the first 17 digits.
 *
 * @example citizenIdCheckChar('11010519491231002') // 'X'
 * @throws AppError VALIDATION_FAILED when the input is not 17 digits
 */
export function citizenIdCheckChar(first17: string): string {
  if (!/^\d{17}$/.test(first17)) {
    throw validationError([{ field: 'first17', reason: '应为 17 位数字' }]);
  }
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * (WEIGHTS[i] ?? 0);
  return CHECK_CHARS[sum % 11] ?? '';
}

function provinceName(code: string): string | undefined {
  return provinceOf(code)?.name ?? PERMIT_PROVINCES[code.slice(0, 2)];
}

/**
 * Builds a valid 18-character number (for seeding demo data).
 *
 * @example makeCitizenId('110105', '1949-12-31', 2) // '11010519491231002X'
 * @throws AppError VALIDATION_FAILED for a region without a known province prefix, a date that
 *   is not real, or a sequence outside 0..999
 */
export function makeCitizenId(regionCode: string, birthDate: string, sequence: number): string {
  const issues: FieldIssue[] = [];
  if (!/^\d{6}$/.test(regionCode) || provinceName(regionCode) === undefined) {
    issues.push({ field: 'regionCode', reason: '应为省级前缀已知的 6 位地址码' });
  }
  const date = parseIsoDate(birthDate);
  if (!date || date.year < MIN_BIRTH_YEAR) issues.push({ field: 'birthDate', reason: '应为真实日期 YYYY-MM-DD' });
  if (!Number.isInteger(sequence) || sequence < 0 || sequence > 999) {
    issues.push({ field: 'sequence', reason: '应为 0–999 的整数' });
  }
  if (issues.length > 0) throw validationError(issues);
  const first17 = regionCode + birthDate.replaceAll('-', '') + String(sequence).padStart(3, '0');
  return first17 + citizenIdCheckChar(first17);
}

function checkBirthDate(digits: string, position: number, today: string, errors: StandardsIssue[]): string | undefined {
  const [year, month, day] = [Number(digits.slice(0, 4)), Number(digits.slice(4, 6)), Number(digits.slice(6, 8))];
  const iso = `${digits.slice(0, 4)}-${digits.slice(4, 6)}-${digits.slice(6, 8)}`;
  if (!isRealDate(year, month, day) || year < MIN_BIRTH_YEAR) {
    const why = year < MIN_BIRTH_YEAR ? `年份早于 ${MIN_BIRTH_YEAR}` : '不是真实存在的日期';
    errors.push({
      code: 'BAD_BIRTH_DATE',
      position,
      expected: 'YYYYMMDD',
      actual: digits,
      message: `第 ${position} 位起的出生日期 ${digits} ${why}`,
      messageEn: `The birth date ${digits} at position ${position} is not a real date${year < MIN_BIRTH_YEAR ? ` (before ${MIN_BIRTH_YEAR})` : ''}`,
    });
    return undefined;
  }
  if (iso > today) {
    errors.push({
      code: 'FUTURE_BIRTH_DATE',
      position,
      expected: `≤ ${today}`,
      actual: iso,
      message: `第 ${position} 位起的出生日期 ${iso} 晚于今天（${today}）`,
      messageEn: `The birth date ${iso} at position ${position} is after today (${today})`,
    });
  }
  return iso;
}

/**
 * Validates a 公民身份号码 (18 characters, or a legacy 15-digit number, which is upgraded).
 * Collects every reason: bad characters, unknown province, bad or future birth date, check character.
 *
 * @example validateCitizenId('11010519491231002X').parsed // { regionName: '北京市朝阳区', birthDate: '1949-12-31', sex: 'female', … }
 * @example validateCitizenId('110105491231002').parsed.normalized // '11010519491231002X'
 */
export function validateCitizenId(value: string, options: CitizenIdOptions = {}): ValidationResult<CitizenIdParts> {
  const warnings: StandardsIssue[] = [];
  const chars = upperCaseAscii(Array.from(value), warnings);
  if (chars.length === 0) return fail([emptyValue(WHAT)], warnings, {});
  const errors: StandardsIssue[] = [];
  const legacy15 = chars.length === 15;
  if (chars.length !== 18 && !legacy15) {
    errors.push(badLength('18', chars.length, { zh: '公民身份号码（或 15 位旧号码）', en: 'The identity number (or a legacy 15-digit one)' }));
  }
  chars.forEach((c, i) => {
    // X may only be the check character: the 18th of 18, or the last of a value of wrong length.
    const checkPosition = chars.length !== 15 && i === chars.length - 1;
    if (isDigit(c) || (checkPosition && c === 'X')) return;
    errors.push(checkPosition ? badCharacter(i + 1, c, '数字 0–9 或 X', 'a digit 0-9 or X') : badCharacter(i + 1, c, '数字 0–9', 'a digit 0-9'));
  });
  if (errors.some((e) => e.code === 'BAD_LENGTH')) return fail(errors, warnings, {});

  const text = chars.join('');
  const allDigits = (from: number, to: number): boolean => chars.slice(from, to).every(isDigit);
  const parsed: Partial<CitizenIdParts> = { legacy15 };
  if (legacy15) {
    warnings.push({
      code: 'LEGACY_15_DIGIT',
      message: '15 位旧号码，已按 GB 11643 升级为 18 位',
      messageEn: 'Legacy 15-digit number, upgraded to 18 digits per GB 11643',
    });
  }

  if (allDigits(0, 6)) {
    const regionCode = text.slice(0, 6);
    parsed.regionCode = regionCode;
    const province = provinceName(regionCode);
    if (province === undefined) {
      errors.push({
        code: 'UNKNOWN_PROVINCE',
        position: 1,
        actual: regionCode.slice(0, 2),
        message: `第 1–2 位省级代码 ${regionCode.slice(0, 2)} 不存在`,
        messageEn: `Positions 1-2: ${regionCode.slice(0, 2)} is not a province code`,
      });
    } else {
      const region = lookupDivision(regionCode);
      parsed.provinceName = province;
      parsed.regionName = region ? region.fullName : null;
      parsed.regionInTable = region !== undefined;
    }
  }

  const dateLength = legacy15 ? 6 : 8;
  if (allDigits(6, 6 + dateLength)) {
    const digits = (legacy15 ? '19' : '') + text.slice(6, 6 + dateLength);
    const iso = checkBirthDate(digits, 7, resolveToday(options.today), errors);
    if (iso !== undefined) parsed.birthDate = iso;
  }

  const seqAt = 6 + dateLength;
  if (allDigits(seqAt, seqAt + 3)) {
    parsed.sequence = Number(text.slice(seqAt, seqAt + 3));
    parsed.sex = parsed.sequence % 2 === 1 ? 'male' : 'female';
  }

  if (allDigits(0, legacy15 ? 15 : 17)) {
    const first17 = legacy15 ? text.slice(0, 6) + '19' + text.slice(6) : text.slice(0, 17);
    const expected = citizenIdCheckChar(first17);
    const actual = legacy15 ? expected : (chars[17] ?? '');
    if (actual === expected) {
      parsed.checkChar = expected;
      parsed.normalized = first17 + expected;
    } else if (isDigit(actual) || actual === 'X') {
      errors.push(checkMismatch(18, expected, actual));
    }
  }
  return finish(errors, warnings, parsed, PART_KEYS);
}
