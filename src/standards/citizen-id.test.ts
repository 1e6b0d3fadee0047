import { describe, expect, it } from 'vitest';
import { AppError } from '../core/errors.js';
import { citizenIdCheckChar, listDivisions, makeCitizenId, validateCitizenId } from './index.js';

const TODAY = '2025-06-01';
const v = (value: string, today: Date | string = TODAY) => validateCitizenId(value, { today });
const codes = (value: string, today?: string) => v(value, today).errors.map((e) => e.code);

describe('validateCitizenId — vectors from GB 11643', () => {
  it('accepts 11010519491231002X and decodes it', () => {
    const r = v('11010519491231002X');
    expect(r.valid).toBe(true);
    expect(r.errors).toEqual([]);
    expect(r.parsed).toMatchObject({
      normalized: '11010519491231002X',
      regionCode: '110105',
      regionName: '北京市朝阳区',
      provinceName: '北京市',
      regionInTable: true,
      birthDate: '1949-12-31',
      sex: 'female',
      sequence: 2,
      checkChar: 'X',
      legacy15: false,
    });
  });

  it('accepts 440524188001010014 although 440524 is no longer in the table', () => {
    const r = v('440524188001010014');
    expect(r.valid).toBe(true);
    expect(r.warnings).toEqual([]);
    expect(r.parsed).toMatchObject({
      regionCode: '440524',
      regionName: null,
      regionInTable: false,
      provinceName: '广东省',
      birthDate: '1880-01-01',
      sex: 'male',
      sequence: 1,
      checkChar: '4',
    });
  });

  it('computes check characters', () => {
    expect(citizenIdCheckChar('11010519491231002')).toBe('X');
    expect(citizenIdCheckChar('44052418800101001')).toBe('4');
    expect(() => citizenIdCheckChar('1101051949123100')).toThrow(AppError);
    expect(() => citizenIdCheckChar('1101051949123100X')).toThrow(AppError);
  });
});

describe('validateCitizenId — legacy and tolerated forms', () => {
  it('upgrades a 15-digit number, with a LEGACY_15_DIGIT warning', () => {
    const r = v('110105491231002');
    expect(r.valid).toBe(true);
    expect(r.parsed).toMatchObject({ normalized: '11010519491231002X', birthDate: '1949-12-31', legacy15: true });
    expect(r.warnings.map((w) => w.code)).toEqual(['LEGACY_15_DIGIT']);
  });

  it('reads a lower-case x as X, with a LOWERCASE_LETTER warning', () => {
    const r = v('11010519491231002x');
    expect(r.valid).toBe(true);
    expect(r.parsed.normalized).toBe('11010519491231002X');
    expect(r.warnings).toMatchObject([{ code: 'LOWERCASE_LETTER', position: 18 }]);
  });

  it('knows Hong Kong, Macao and Taiwan prefixes (residence permits)', () => {
    for (const [region, name] of [
      ['810000', '香港特别行政区'],
      ['820000', '澳门特别行政区'],
      ['830000', '台湾地区（港澳台居民居住证）'],
    ]) {
      const r = v(makeCitizenId(region ?? '', '1990-05-06', 11));
      expect(r.valid).toBe(true);
      expect(r.parsed.provinceName).toBe(name);
    }
  });

  it('reads today as a Beijing date', () => {
    const instant = new Date('2024-12-31T17:00:00Z'); // 2025-01-01 01:00 in Beijing
    expect(v(makeCitizenId('110105', '2025-01-01', 1), instant).valid).toBe(true);
    expect(v(makeCitizenId('110105', '2025-01-02', 1), instant).errors[0]?.code).toBe('FUTURE_BIRTH_DATE');
  });
});

describe('validateCitizenId — every reason', () => {
  it('EMPTY', () => expect(codes('')).toEqual(['EMPTY']));

  it('BAD_LENGTH with expected and actual', () => {
    expect(v('1101051949123100').errors).toMatchObject([{ code: 'BAD_LENGTH', expected: '18', actual: '16' }]);
    expect(codes('11010519491231002XX')).toEqual(['BAD_LENGTH', 'BAD_CHARACTER']);
  });

  it('BAD_CHARACTER names the position and the character, full-width included', () => {
    const r = v('1101051949123100２X');
    expect(r.errors).toMatchObject([{ code: 'BAD_CHARACTER', position: 17, actual: '２' }]);
    expect(r.errors[0]?.message).toContain('第 17 位');
    expect(r.errors[0]?.message).toContain('全角');
    expect(v('11010519491231002Y').errors).toMatchObject([{ code: 'BAD_CHARACTER', position: 18 }]);
    expect(v('1101051949123100X2').errors).toMatchObject([{ code: 'BAD_CHARACTER', position: 17 }]);
    expect(v(' 1010519491231002X').errors[0]?.message).toContain('空格');
  });

  it('CHECK_CHAR_MISMATCH with position, expected and actual', () => {
    const r = v('110105194912310021');
    expect(r.errors).toEqual([expect.objectContaining({ code: 'CHECK_CHAR_MISMATCH', position: 18, expected: 'X', actual: '1' })]);
    expect(r.errors[0]?.message).toBe('第 18 位校验码应为「X」，实际为「1」（号码有误或有字符录错）');
    expect(r.parsed.birthDate).toBe('1949-12-31'); // what could be decoded is still reported
  });

  it('BAD_BIRTH_DATE for days that do not exist and implausible years', () => {
    expect(codes(makeCitizenId('110105', '2000-02-29', 1))).toEqual([]);
    const feb29In1900 = '1101051900022900' + '1';
    expect(codes(feb29In1900 + citizenIdCheckChar(feb29In1900))).toEqual(['BAD_BIRTH_DATE']);
    const month13 = '11010519491301002';
    expect(v(month13 + citizenIdCheckChar(month13)).errors).toMatchObject([{ code: 'BAD_BIRTH_DATE', position: 7, actual: '19491301' }]);
    const year1700 = '11010517000101002';
    expect(codes(year1700 + citizenIdCheckChar(year1700))).toEqual(['BAD_BIRTH_DATE']);
    expect(codes('110105490230002')).toEqual(['BAD_BIRTH_DATE']);
  });

  it('FUTURE_BIRTH_DATE against the given today', () => {
    const id = makeCitizenId('110105', '2025-06-02', 1);
    expect(codes(id, '2025-06-01')).toEqual(['FUTURE_BIRTH_DATE']);
    expect(codes(id, '2025-06-02')).toEqual([]);
  });

  it('UNKNOWN_PROVINCE for a prefix that is no province', () => {
    const first17 = '99010519491231002';
    expect(v(first17 + citizenIdCheckChar(first17)).errors).toMatchObject([{ code: 'UNKNOWN_PROVINCE', position: 1, actual: '99' }]);
  });

  it('collects all reasons at once', () => {
    expect(codes('990105194902300021')).toEqual(['UNKNOWN_PROVINCE', 'BAD_BIRTH_DATE', 'CHECK_CHAR_MISMATCH']);
    expect(codes('1101051949123l002X')).toEqual(['BAD_CHARACTER']);
    expect(v('11010519491231002X', '1949-12-30').errors.map((e) => e.code)).toEqual(['FUTURE_BIRTH_DATE']);
  });
});

describe('makeCitizenId', () => {
  it('round-trips region, date and sequence; odd sequence = male', () => {
    const regions = listDivisions({ parent: '350100' }).map((d) => d.code);
    let n = 0;
    for (const region of regions) {
      for (const date of ['1900-01-01', '1949-10-01', '1988-02-29', '2000-12-31', '2025-06-01']) {
        for (const seq of [0, 1, 2, 499, 998, 999]) {
          const id = makeCitizenId(region, date, seq);
          const r = v(id);
          expect(r.valid).toBe(true);
          expect(r.parsed).toMatchObject({ regionCode: region, birthDate: date, sequence: seq, sex: seq % 2 ? 'male' : 'female' });
          n++;
        }
      }
    }
    expect(n).toBeGreaterThan(100);
    expect(makeCitizenId('110105', '1949-12-31', 2)).toBe('11010519491231002X');
  });

  it('rejects bad input with VALIDATION_FAILED naming every field', () => {
    try {
      makeCitizenId('990000', '1949-02-30', 1000);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('VALIDATION_FAILED');
      expect((err as AppError).details?.fields).toHaveLength(3);
    }
    expect(() => makeCitizenId('11010', '1949-12-31', 1)).toThrow(AppError);
    expect(() => makeCitizenId('110105', '1949-12-31', 1.5)).toThrow(AppError);
  });
});

describe('property: any single changed character makes an 18-digit number invalid', () => {
  const samples = ['11010519491231002X', '440524188001010014', makeCitizenId('350102', '1990-01-01', 123)];
  for (const id of samples) {
    it(id, () => {
      for (let i = 0; i < id.length; i++) {
        for (const c of '0123456789XA ') {
          if (c === id[i]) continue;
          const changed = id.slice(0, i) + c + id.slice(i + 1);
          expect(v(changed).valid, changed).toBe(false);
        }
      }
    });
  }
});
