/**
 * 电子证照标识 (GB/T 36904-2018):
 * `1.2.156.3005.2.{type code}.{issuer USCC}.{serial}.{version}.{check}` where the type code is
 * the defining department's USCC (18) + a 3-digit type number, the version is 3 digits and the
 * check character is ISO 7064 MOD 37,36 over type code + issuer + serial + version (0-9 A-Z).
 * The serial's length is not fixed here (unverified against the standard): one or more of 0-9 A-Z.
 */
import { validationError, type FieldIssue } from '../core/errors.js';
import {
  badCharacter,
  badLength,
  checkMismatch,
  embedIssues,
  emptyValue,
  fail,
  finish,
  isDigit,
  upperCaseAscii,
  type StandardsIssue,
  type ValidationResult,
} from './issues.js';
import { validateUscc } from './uscc.js';

export interface LicenceIdParts {
  /** The whole identifier, upper case. */
  normalized: string;
  /** 21 characters: definingDeptUscc + typeNumber. */
  typeCode: string;
  definingDeptUscc: string;
  /** 3 digits. */
  typeNumber: string;
  issuerUscc: string;
  serial: string;
  /** 3 digits. */
  version: string;
  checkChar: string;
}

export const LICENCE_ID_PREFIX = '1.2.156.3005.2';
const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const WHAT = { zh: '电子证照标识', en: 'The licence identifier' };
const PART_KEYS: Record<keyof LicenceIdParts, true> = {
  normalized: true,
  typeCode: true,
  definingDeptUscc: true,
  typeNumber: true,
  issuerUscc: true,
  serial: true,
  version: true,
  checkChar: true,
};

/**
 * The ISO 7064 MOD 37,36 check character over `payload` (type code + issuer + serial + version,
 * without the dots).
 *
 * @example licenceCheckChar('A12425GABC1234002') // 'M' (the ISO 7064 MOD 37,36 example)
 * @throws AppError VALIDATION_FAILED when the payload is empty or has characters other than 0-9 A-Z
 */
export function licenceCheckChar(payload: string): string {
  if (!/^[0-9A-Z]+$/.test(payload)) throw validationError([{ field: 'payload', reason: '应为数字或大写字母' }]);
  let p = 36;
  for (const c of payload) {
    let s = (p + ALNUM.indexOf(c)) % 36;
    if (s === 0) s = 36;
    p = (2 * s) % 37;
  }
  return ALNUM[(37 - p) % 36] ?? '';
}

/**
 * Builds a valid licence identifier (for seeding demo data).
 *
 * @example makeLicenceId({ definingDept: '11100000000013127D', typeNumber: 1, issuer: '11350100MB0123456X', serial: 'A0001', version: 1 })
 * @throws AppError VALIDATION_FAILED when a USCC is invalid, the type number or version is not
 *   0..999, or the serial is not one or more of 0-9 A-Z
 */
export function makeLicenceId(input: { definingDept: string; typeNumber: number; issuer: string; serial: string; version?: number }): string {
  const { definingDept, typeNumber, issuer, serial, version = 1 } = input;
  const issues: FieldIssue[] = [];
  if (!validateUscc(definingDept).valid || definingDept !== definingDept.toUpperCase()) {
    issues.push({ field: 'definingDept', reason: '应为有效的统一社会信用代码（大写）' });
  }
  if (!validateUscc(issuer).valid || issuer !== issuer.toUpperCase()) {
    issues.push({ field: 'issuer', reason: '应为有效的统一社会信用代码（大写）' });
  }
  const in3 = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= 999;
  if (!in3(typeNumber)) issues.push({ field: 'typeNumber', reason: '应为 0–999 的整数' });
  if (!in3(version)) issues.push({ field: 'version', reason: '应为 0–999 的整数' });
  if (!/^[0-9A-Z]+$/.test(serial)) issues.push({ field: 'serial', reason: '应为一位以上数字或大写字母' });
  if (issues.length > 0) throw validationError(issues);
  const typeCode = definingDept + String(typeNumber).padStart(3, '0');
  const v = String(version).padStart(3, '0');
  return [LICENCE_ID_PREFIX, typeCode, issuer, serial, v, licenceCheckChar(typeCode + issuer + serial + v)].join('.');
}

const isAlnum = (text: string): boolean => /^[0-9A-Z]+$/.test(text);

interface Segment {
  text: string;
  /** 0-based offset of the segment in the whole value. */
  offset: number;
}

function checkSegmentChars(seg: Segment, digitsOnly: boolean, errors: StandardsIssue[]): void {
  Array.from(seg.text).forEach((c, i) => {
    if (digitsOnly ? isDigit(c) : ALNUM.includes(c)) return;
    errors.push(
      digitsOnly
        ? badCharacter(seg.offset + i + 1, c, '数字 0–9', 'a digit 0-9')
        : badCharacter(seg.offset + i + 1, c, '数字或大写字母', 'a digit or an upper-case letter'),
    );
  });
}

function segmentLength(seg: Segment, expected: number, label: { zh: string; en: string }, errors: StandardsIssue[]): boolean {
  const n = Array.from(seg.text).length;
  if (n === expected) return true;
  errors.push(badLength(String(expected), n, label, seg.offset + 1));
  return false;
}

/**
 * Validates an electronic-licence identifier: prefix, the five segments, both embedded USCCs
 * (their reasons are reported with `part` = 'typeCode' or 'issuer' and positions in the whole
 * value) and the MOD 37,36 check character.
 *
 * @example validateLicenceId(makeLicenceId({ definingDept: '11100000000013127D', typeNumber: 1, issuer: '11100000000013127D', serial: '1' })).valid // true
 */
export function validateLicenceId(value: string): ValidationResult<LicenceIdParts> {
  const warnings: StandardsIssue[] = [];
  const text = upperCaseAscii(Array.from(value), warnings).join('');
  if (text.length === 0) return fail([emptyValue(WHAT)], warnings, {});
  const errors: StandardsIssue[] = [];
  if (!text.startsWith(`${LICENCE_ID_PREFIX}.`)) {
    errors.push({
      code: 'BAD_PREFIX',
      position: 1,
      expected: `${LICENCE_ID_PREFIX}.`,
      actual: Array.from(text)
        .slice(0, LICENCE_ID_PREFIX.length + 1)
        .join(''),
      message: `电子证照标识应以「${LICENCE_ID_PREFIX}.」开头`,
      messageEn: `A licence identifier must start with "${LICENCE_ID_PREFIX}."`,
    });
    return fail(errors, warnings, {});
  }
  const segments: Segment[] = [];
  let offset = Array.from(LICENCE_ID_PREFIX).length + 1;
  for (const part of text.slice(LICENCE_ID_PREFIX.length + 1).split('.')) {
    segments.push({ text: part, offset });
    offset += Array.from(part).length + 1;
  }
  const [typeSeg, issuerSeg, serialSeg, versionSeg, checkSeg] = segments;
  if (segments.length !== 5 || !typeSeg || !issuerSeg || !serialSeg || !versionSeg || !checkSeg) {
    errors.push({
      code: 'BAD_STRUCTURE',
      expected: '5',
      actual: String(segments.length),
      message: `前缀之后应有 5 段（证照类型代码.颁发机构代码.流水号.版本号.校验位），实际为 ${segments.length} 段`,
      messageEn: `After the prefix there must be 5 dot-separated segments (type code, issuer, serial, version, check), found ${segments.length}`,
    });
    return fail(errors, warnings, {});
  }

  const parsed: Partial<LicenceIdParts> = {};
  const typeOk = segmentLength(typeSeg, 21, { zh: '证照类型代码', en: 'The licence type code' }, errors);
  const issuerOk = segmentLength(issuerSeg, 18, { zh: '颁发机构代码', en: 'The issuer code' }, errors);
  const versionOk = segmentLength(versionSeg, 3, { zh: '版本号', en: 'The version' }, errors);
  const checkOk = segmentLength(checkSeg, 1, { zh: '校验位', en: 'The check character' }, errors);
  if (serialSeg.text === '') errors.push(badLength('≥ 1', 0, { zh: '流水号', en: 'The serial' }, serialSeg.offset + 1));

  // Characters of well-sized USCCs are reported by the embedded USCC validation, not twice here.
  if (!typeOk) checkSegmentChars(typeSeg, false, errors);
  if (!issuerOk) checkSegmentChars(issuerSeg, false, errors);
  checkSegmentChars(serialSeg, false, errors);
  checkSegmentChars(versionSeg, true, errors);
  checkSegmentChars(checkSeg, false, errors);

  if (typeOk) {
    const dept = validateUscc(typeSeg.text.slice(0, 18));
    const label = { zh: '证照类型代码中的统一社会信用代码', en: 'USCC in the type code' };
    errors.push(...embedIssues(dept.errors, typeSeg.offset, 'typeCode', label));
    warnings.push(...embedIssues(dept.warnings, typeSeg.offset, 'typeCode', label));
    const typeNumber = typeSeg.text.slice(18);
    checkSegmentChars({ text: typeNumber, offset: typeSeg.offset + 18 }, true, errors);
    if (dept.valid && /^\d{3}$/.test(typeNumber)) {
      Object.assign(parsed, { typeCode: typeSeg.text, definingDeptUscc: dept.parsed.normalized, typeNumber });
    }
  }
  if (issuerOk) {
    const issuer = validateUscc(issuerSeg.text);
    const label = { zh: '颁发机构代码', en: 'Issuer USCC' };
    errors.push(...embedIssues(issuer.errors, issuerSeg.offset, 'issuer', label));
    warnings.push(...embedIssues(issuer.warnings, issuerSeg.offset, 'issuer', label));
    if (issuer.valid) parsed.issuerUscc = issuer.parsed.normalized;
  }
  if (serialSeg.text !== '') parsed.serial = serialSeg.text;
  if (versionOk && /^\d{3}$/.test(versionSeg.text)) parsed.version = versionSeg.text;

  const payload = typeSeg.text + issuerSeg.text + serialSeg.text + versionSeg.text;
  // The check is only meaningful over well-formed segments; a length error already explains it.
  const sized = typeOk && issuerOk && versionOk && checkOk && serialSeg.text !== '';
  if (sized && isAlnum(payload) && isAlnum(checkSeg.text)) {
    const expected = licenceCheckChar(payload);
    if (checkSeg.text === expected) {
      parsed.checkChar = expected;
      parsed.normalized = text;
    } else {
      errors.push(checkMismatch(checkSeg.offset + 1, expected, checkSeg.text));
    }
  }
  return finish(errors, warnings, parsed, PART_KEYS);
}
