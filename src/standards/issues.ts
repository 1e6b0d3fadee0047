/**
 * The result shape shared by every validator in this module, and the helpers that build the
 * bilingual reasons. Positions are 1-based and count Unicode code points of the value as given,
 * so a full-width digit or an emoji occupies one position, as a person would count it.
 */

/** Stable reason codes. Part of the public API: never rename, only add. */
export type StandardsIssueCode =
  | 'EMPTY'
  | 'BAD_LENGTH'
  | 'BAD_CHARACTER'
  | 'LOWERCASE_LETTER'
  | 'CHECK_CHAR_MISMATCH'
  | 'ORG_CODE_CHECK_MISMATCH'
  | 'BAD_BIRTH_DATE'
  | 'FUTURE_BIRTH_DATE'
  | 'LEGACY_15_DIGIT'
  | 'UNKNOWN_PROVINCE'
  | 'UNKNOWN_DIVISION'
  | 'STATISTICAL_CODE'
  | 'UNKNOWN_AUTHORITY'
  | 'UNKNOWN_CATEGORY'
  | 'BAD_PREFIX'
  | 'BAD_STRUCTURE'
  | 'UNKNOWN_ITEM_TYPE';

/**
 * One reason why a value is invalid (in `errors`) or worth a second look (in `warnings`).
 *
 * @example
 * { code: 'CHECK_CHAR_MISMATCH', position: 18, expected: 'X', actual: '5',
 *   message: '第 18 位校验码应为「X」，实际为「5」', messageEn: 'Position 18: check character should be "X", found "5"' }
 */
export interface StandardsIssue {
  code: StandardsIssueCode;
  /** 1-based position in the whole value, when the reason concerns one character or segment. */
  position?: number;
  expected?: string;
  actual?: string;
  /** Which embedded part the reason concerns, for composite identifiers (`issuer`, `typeCode`). */
  part?: string;
  /** Chinese, for the person who typed the value. */
  message: string;
  messageEn: string;
}

/**
 * What every validator returns. `valid` is true exactly when `errors` is empty; warnings never
 * make a value invalid. When valid, `parsed` is complete; otherwise it holds what could be decoded.
 *
 * @example
 * const r = validateUscc('91350100M000100Y43');
 * if (r.valid) console.log(r.parsed.organisationCode); // 'M000100Y4'
 */
export type ValidationResult<P> =
  | { valid: true; errors: StandardsIssue[]; warnings: StandardsIssue[]; parsed: P }
  | { valid: false; errors: StandardsIssue[]; warnings: StandardsIssue[]; parsed: Partial<P> };

/** A successful result. */
export function ok<P>(parsed: P, warnings: StandardsIssue[] = []): ValidationResult<P> {
  return { valid: true, errors: [], warnings, parsed };
}

/**
 * Ends a validator: a failure when there are errors; otherwise a success, after checking at run
 * time that every part listed in `keys` was decoded (a `Record<keyof P, true>` so the compiler
 * makes the list complete). Throws when a part is missing without an error: a bug, not bad input.
 */
export function finish<P extends object>(
  errors: StandardsIssue[],
  warnings: StandardsIssue[],
  parsed: Partial<P>,
  keys: Record<keyof P, true>,
): ValidationResult<P> {
  if (errors.length > 0) return fail(errors, warnings, parsed);
  const missing = (Object.keys(keys) as (keyof P)[]).filter((k) => parsed[k] === undefined);
  if (missing.length > 0) throw new Error(`standards: ${missing.join(', ')} not decoded, yet no error`);
  return ok(parsed as P, warnings);
}

/** A failed result; `errors` must not be empty. */
export function fail<P>(errors: StandardsIssue[], warnings: StandardsIssue[], parsed: Partial<P>): ValidationResult<P> {
  return { valid: false, errors, warnings, parsed };
}

/** Describes one character so a person can see what is wrong with it (full-width, space, control). */
export function describeChar(ch: string): { zh: string; en: string } {
  const cp = ch.codePointAt(0) ?? 0;
  const hex = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  if (ch === ' ') return { zh: '空格', en: 'a space' };
  if (cp === 0x3000) return { zh: '全角空格', en: 'a full-width space' };
  if (cp >= 0xff01 && cp <= 0xff5e) {
    const half = String.fromCodePoint(cp - 0xfee0);
    return { zh: `全角字符「${ch}」（应使用半角「${half}」）`, en: `full-width "${ch}" (use half-width "${half}")` };
  }
  if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || /\s/u.test(ch)) {
    return { zh: `不可见字符 ${hex}`, en: `invisible character ${hex}` };
  }
  const digit = LOOKALIKE_DIGITS[ch];
  if (digit !== undefined) return { zh: `「${ch}」（是否应为数字 ${digit}？）`, en: `"${ch}" (digit ${digit}?)` };
  return { zh: `「${ch}」`, en: `"${ch}"` };
}

/** Letters typed for digits, the most common slip in hand-keyed identifiers. */
const LOOKALIKE_DIGITS: Record<string, string> = { O: '0', o: '0', I: '1', l: '1', i: '1' };

/** BAD_CHARACTER at `position`; `allowedZh`/`allowedEn` say what may stand there. */
export function badCharacter(position: number, ch: string, allowedZh: string, allowedEn: string, expected?: string): StandardsIssue {
  const d = describeChar(ch);
  return {
    code: 'BAD_CHARACTER',
    position,
    actual: ch,
    ...(expected === undefined ? {} : { expected }),
    message: `第 ${position} 位是${d.zh}，此处只能是${allowedZh}`,
    messageEn: `Position ${position} is ${d.en}; only ${allowedEn} may stand there`,
  };
}

/** BAD_LENGTH for a whole value (`what` names it) or for a segment starting at `position`. */
export function badLength(expected: string, actual: number, what: { zh: string; en: string }, position?: number): StandardsIssue {
  return {
    code: 'BAD_LENGTH',
    ...(position === undefined ? {} : { position }),
    expected,
    actual: String(actual),
    message: `${what.zh}应为 ${expected} 位，实际为 ${actual} 位`,
    messageEn: `${what.en} must be ${expected} characters long, found ${actual}`,
  };
}

/** EMPTY: nothing was given. */
export function emptyValue(what: { zh: string; en: string }): StandardsIssue {
  return { code: 'EMPTY', message: `${what.zh}为空`, messageEn: `${what.en} is empty` };
}

/** A check-character mismatch (`code` distinguishes the overall check from an embedded one). */
export function checkMismatch(
  position: number,
  expected: string,
  actual: string,
  code: 'CHECK_CHAR_MISMATCH' | 'ORG_CODE_CHECK_MISMATCH' = 'CHECK_CHAR_MISMATCH',
): StandardsIssue {
  const zh = code === 'CHECK_CHAR_MISMATCH' ? '校验码' : '组织机构代码校验码';
  const en = code === 'CHECK_CHAR_MISMATCH' ? 'check character' : 'organisation-code check character';
  return {
    code,
    position,
    expected,
    actual,
    message: `第 ${position} 位${zh}应为「${expected}」，实际为「${actual}」（号码有误或有字符录错）`,
    messageEn: `Position ${position}: ${en} should be "${expected}", found "${actual}" (a character is wrong)`,
  };
}

/**
 * Upper-cases ASCII letters, reporting one LOWERCASE_LETTER warning at the first lowercase one.
 * Lower-case letters are common in typed data ("x" in an identity number) and unambiguous, so
 * they are accepted; the upper-case form is what `parsed.normalized` carries.
 */
export function upperCaseAscii(chars: string[], warnings: StandardsIssue[]): string[] {
  const first = chars.findIndex((c) => c >= 'a' && c <= 'z');
  if (first === -1) return chars;
  warnings.push({
    code: 'LOWERCASE_LETTER',
    position: first + 1,
    actual: chars[first],
    message: `第 ${first + 1} 位起有小写字母，已按大写处理（标准要求大写）`,
    messageEn: `Lower-case letter from position ${first + 1}; read as upper case (the standard requires upper case)`,
  });
  return chars.map((c) => (c >= 'a' && c <= 'z' ? c.toUpperCase() : c));
}

/** Moves issues of an embedded part to the enclosing value: shifts positions, names the part. */
export function embedIssues(issues: StandardsIssue[], offset: number, part: string, label: { zh: string; en: string }): StandardsIssue[] {
  return issues.map((i) => {
    const position = i.position === undefined ? offset + 1 : i.position + offset;
    const at = `（整体第 ${position} 位）`;
    return {
      ...i,
      position,
      part,
      message: `${label.zh}：${i.message}${i.position === undefined ? '' : at}`,
      messageEn: `${label.en}: ${i.messageEn}${i.position === undefined ? '' : ` (position ${position} overall)`}`,
    };
  });
}

export const isDigit = (c: string | undefined): c is string => c !== undefined && c >= '0' && c <= '9';
