import { describe, expect, it } from 'vitest';
import { AppError } from '../core/errors.js';
import { USCC_ALPHABET, USCC_AUTHORITIES, makeUscc, orgCodeCheckChar, usccCheckChar, validateUscc } from './index.js';

const codes = (value: string) => validateUscc(value).errors.map((e) => e.code);
/** A valid code with `body` as positions 9–16 and the given first 8 characters. */
const withBody = (head: string, body: string) => makeUscc(head[0] ?? '', head[1] ?? '', head.slice(2), body);

describe('validateUscc — the DOMAIN vector', () => {
  it('accepts 91350100M000100Y43 and decodes every part', () => {
    const r = validateUscc('91350100M000100Y43');
    expect(r.valid).toBe(true);
    expect(r.warnings).toEqual([]);
    expect(r.parsed).toEqual({
      normalized: '91350100M000100Y43',
      authorityCode: '9',
      authorityName: '工商（市场监管）',
      categoryCode: '1',
      categoryName: '企业',
      divisionCode: '350100',
      divisionName: '福建省福州市',
      organisationCode: 'M000100Y4',
      checkChar: '3',
    });
  });

  it('computes both check characters', () => {
    expect(orgCodeCheckChar('M000100Y')).toBe('4');
    expect(usccCheckChar('91350100M000100Y4')).toBe('3');
    expect(() => orgCodeCheckChar('M000100')).toThrow(AppError);
    expect(() => usccCheckChar('91350100M000100I4')).toThrow(AppError);
  });

  it('maps organisation-code checks 10 → X and 11 → 0', () => {
    const bodies = Array.from({ length: 400 }, (_, i) => String(10_000_000 + i * 7919).slice(0, 8));
    const checks = new Set(bodies.map(orgCodeCheckChar));
    expect(checks.has('X')).toBe(true);
    expect(checks.has('0')).toBe(true);
    for (const b of bodies) expect(validateUscc(withBody('91350100', b)).valid).toBe(true);
  });
});

describe('validateUscc — decoding', () => {
  it('decodes a government department (11…) and the central-government division 100000', () => {
    const r = validateUscc(makeUscc('1', '1', '100000', '00001312'));
    expect(r.valid).toBe(true);
    expect(r.parsed).toMatchObject({ authorityName: '机构编制', categoryName: '机关', divisionName: '中央（国家级）' });
  });

  it('decodes every authority and category of GB 32100', () => {
    for (const [a, auth] of Object.entries(USCC_AUTHORITIES)) {
      for (const [c, name] of Object.entries(auth.categories)) {
        const r = validateUscc(makeUscc(a, c, '110105', '12345678'));
        expect(r.valid, `${a}${c}`).toBe(true);
        expect(r.parsed).toMatchObject({ authorityName: auth.name, categoryName: name, divisionName: '北京市朝阳区' });
      }
    }
    expect(validateUscc(makeUscc('5', '2', '350100', 'MJ000001')).parsed.categoryName).toBe('民办非企业单位');
  });

  it("warns (UNKNOWN_DIVISION) but stays valid when the division is not in today's table", () => {
    const r = validateUscc(makeUscc('9', '1', '440524', 'MA000001'));
    expect(r.valid).toBe(true);
    expect(r.warnings).toMatchObject([{ code: 'UNKNOWN_DIVISION', position: 3, actual: '440524' }]);
    expect(r.parsed.divisionName).toBeNull();
  });

  it('reads lower-case letters as upper case, with a warning', () => {
    const r = validateUscc('91350100m000100y43');
    expect(r.valid).toBe(true);
    expect(r.parsed.normalized).toBe('91350100M000100Y43');
    expect(r.warnings).toMatchObject([{ code: 'LOWERCASE_LETTER', position: 9 }]);
  });
});

describe('validateUscc — every reason', () => {
  it('EMPTY and BAD_LENGTH', () => {
    expect(codes('')).toEqual(['EMPTY']);
    expect(validateUscc('91350100M000100Y4').errors).toMatchObject([{ code: 'BAD_LENGTH', expected: '18', actual: '17' }]);
  });

  it('BAD_CHARACTER for I O Z S V, for letters in the division, for anything else', () => {
    for (const letter of 'IOZSV') {
      const r = validateUscc(`91350100M00010${letter}Y43`);
      expect(r.errors[0]).toMatchObject({ code: 'BAD_CHARACTER', position: 15, actual: letter });
      expect(r.errors[0]?.message).toContain('不含 I、O、Z、S、V');
    }
    expect(validateUscc('91350100M0001O0Y43').errors[0]?.message).toContain('是否应为数字 0');
    expect(validateUscc('913501A0M000100Y43').errors[0]).toMatchObject({ code: 'BAD_CHARACTER', position: 7 });
    expect(validateUscc('91350100M000100Y4-').errors).toMatchObject([{ code: 'BAD_CHARACTER', position: 18 }]);
  });

  it('UNKNOWN_AUTHORITY and UNKNOWN_CATEGORY', () => {
    const unknownAuthority = 'B1350100M000100Y4';
    expect(codes(unknownAuthority + usccCheckChar(unknownAuthority))).toEqual(['UNKNOWN_AUTHORITY']);
    const unknownCategory = '94350100M000100Y4';
    const r = validateUscc(unknownCategory + usccCheckChar(unknownCategory));
    expect(r.errors).toMatchObject([{ code: 'UNKNOWN_CATEGORY', position: 2, actual: '4', expected: '123' }]);
    expect(r.errors[0]?.message).toContain('工商');
  });

  it('ORG_CODE_CHECK_MISMATCH at position 17', () => {
    const first17 = '91350100M000100Y5';
    expect(validateUscc(first17 + usccCheckChar(first17)).errors).toMatchObject([
      { code: 'ORG_CODE_CHECK_MISMATCH', position: 17, expected: '4', actual: '5' },
    ]);
  });

  it('CHECK_CHAR_MISMATCH at position 18', () => {
    expect(validateUscc('91350100M000100Y44').errors).toMatchObject([{ code: 'CHECK_CHAR_MISMATCH', position: 18, expected: '3', actual: '4' }]);
  });

  it('collects several reasons at once', () => {
    expect(codes('B4350100M000100Y54')).toEqual(['UNKNOWN_AUTHORITY', 'ORG_CODE_CHECK_MISMATCH', 'CHECK_CHAR_MISMATCH']);
  });
});

describe('makeUscc', () => {
  it('round-trips', () => {
    for (let i = 0; i < 200; i++) {
      const body = Array.from({ length: 8 }, (_, k) => USCC_ALPHABET[(i * 7 + k * 13) % 31]).join('');
      const code = makeUscc('9', String((i % 3) + 1), '350102', body);
      const r = validateUscc(code);
      expect(r.valid, code).toBe(true);
      expect(r.parsed.organisationCode?.slice(0, 8)).toBe(body);
    }
  });

  it('rejects bad input with VALIDATION_FAILED', () => {
    expect(() => makeUscc('B', '1', '350100', 'M000100Y')).toThrow(AppError);
    expect(() => makeUscc('9', '9', '350100', 'M000100Y')).toThrow(AppError);
    expect(() => makeUscc('9', '1', '35010', 'M000100Y')).toThrow(AppError);
    expect(() => makeUscc('9', '1', '350100', 'M00010OY')).toThrow(AppError);
    expect(() => makeUscc('9', '1', '350100', 'm000100y')).toThrow(AppError);
  });
});

describe('property: any single changed character makes a USCC invalid', () => {
  const samples = ['91350100M000100Y43', makeUscc('1', '1', '100000', '00001312'), makeUscc('5', '3', '110105', 'ABCDEFGH')];
  for (const code of samples) {
    it(code, () => {
      for (let i = 0; i < code.length; i++) {
        for (const c of USCC_ALPHABET + 'IOZSV-') {
          if (c === code[i]) continue;
          const changed = code.slice(0, i) + c + code.slice(i + 1);
          expect(validateUscc(changed).valid, changed).toBe(false);
        }
      }
    });
  }
});
