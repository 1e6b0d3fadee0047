import { describe, expect, it } from 'vitest';
import { AppError } from '../core/errors.js';
import { LICENCE_ID_PREFIX, licenceCheckChar, makeLicenceId, makeUscc, validateLicenceId } from './index.js';

const DEPT = makeUscc('1', '1', '100000', '00001312'); // a central department
const ISSUER = '91350100M000100Y43';
const ID = makeLicenceId({ definingDept: DEPT, typeNumber: 7, issuer: ISSUER, serial: 'A0001', version: 1 });
const codes = (value: string) => validateLicenceId(value).errors.map((e) => e.code);

describe('licenceCheckChar (ISO 7064 MOD 37,36)', () => {
  it('matches the ISO 7064 MOD 37,36 example used by GRid', () => {
    expect(licenceCheckChar('A12425GABC1234002')).toBe('M');
  });

  it('rejects characters outside 0-9 A-Z', () => {
    expect(() => licenceCheckChar('a1')).toThrow(AppError);
    expect(() => licenceCheckChar('')).toThrow(AppError);
  });
});

describe('makeLicenceId / validateLicenceId', () => {
  it('round-trips and decodes every part', () => {
    expect(ID.startsWith(`${LICENCE_ID_PREFIX}.${DEPT}007.${ISSUER}.A0001.001.`)).toBe(true);
    const r = validateLicenceId(ID);
    expect(r.valid).toBe(true);
    expect(r.parsed).toEqual({
      normalized: ID,
      typeCode: `${DEPT}007`,
      definingDeptUscc: DEPT,
      typeNumber: '007',
      issuerUscc: ISSUER,
      serial: 'A0001',
      version: '001',
      checkChar: ID.slice(-1),
    });
  });

  it('round-trips many serials and versions', () => {
    for (let i = 0; i < 300; i++) {
      const id = makeLicenceId({ definingDept: DEPT, typeNumber: i % 1000, issuer: ISSUER, serial: (i * 7919).toString(36).toUpperCase(), version: i % 5 });
      expect(validateLicenceId(id).valid, id).toBe(true);
    }
  });

  it('reads lower case with a warning', () => {
    const r = validateLicenceId(ID.toLowerCase());
    expect(r.valid).toBe(true);
    expect(r.parsed.normalized).toBe(ID);
    expect(r.warnings.map((w) => w.code)).toEqual(['LOWERCASE_LETTER']);
  });

  it('rejects bad input to makeLicenceId', () => {
    expect(() => makeLicenceId({ definingDept: DEPT, typeNumber: 1, issuer: '91350100M000100Y44', serial: '1' })).toThrow(AppError);
    expect(() => makeLicenceId({ definingDept: DEPT, typeNumber: 1000, issuer: ISSUER, serial: '1' })).toThrow(AppError);
    expect(() => makeLicenceId({ definingDept: DEPT, typeNumber: 1, issuer: ISSUER, serial: 'a-1' })).toThrow(AppError);
    expect(() => makeLicenceId({ definingDept: DEPT, typeNumber: 1, issuer: ISSUER, serial: '1', version: -1 })).toThrow(AppError);
  });
});

describe('validateLicenceId — every reason', () => {
  const segments = ID.slice(LICENCE_ID_PREFIX.length + 1).split('.');
  const build = (parts: string[]) => [LICENCE_ID_PREFIX, ...parts].join('.');
  const withCheck = (type: string, issuer: string, serial: string, version: string) =>
    build([type, issuer, serial, version, licenceCheckChar(type + issuer + serial + version)]);

  it('EMPTY, BAD_PREFIX, BAD_STRUCTURE', () => {
    expect(codes('')).toEqual(['EMPTY']);
    expect(validateLicenceId(ID.replace('3005', '3006')).errors).toMatchObject([{ code: 'BAD_PREFIX', position: 1 }]);
    expect(validateLicenceId(build(segments.slice(0, 4))).errors).toMatchObject([{ code: 'BAD_STRUCTURE', expected: '5', actual: '4' }]);
  });

  it("BAD_LENGTH for a short type code or version, and an empty serial, at the segment's position", () => {
    const r = validateLicenceId(build([`${DEPT}07`, ISSUER, 'A0001', '01', 'Z']));
    expect(r.errors).toMatchObject([
      { code: 'BAD_LENGTH', position: 16, expected: '21', actual: '20' },
      { code: 'BAD_LENGTH', expected: '3', actual: '2' },
    ]);
    expect(codes(build([`${DEPT}007`, ISSUER, '', '001', 'Z']))).toEqual(['BAD_LENGTH']);
  });

  it('BAD_CHARACTER in the serial, the version and the type number', () => {
    expect(validateLicenceId(build([`${DEPT}007`, ISSUER, 'A-1', '001', 'Z'])).errors).toMatchObject([
      { code: 'BAD_CHARACTER', position: 16 + 22 + 19 + 1, actual: '-' },
    ]);
    expect(codes(withCheck(`${DEPT}007`, ISSUER, 'A1', '0A1'))).toEqual(['BAD_CHARACTER']);
    expect(codes(withCheck(`${DEPT}0A7`, ISSUER, 'A1', '001'))).toEqual(['BAD_CHARACTER']);
  });

  it('reports embedded USCC reasons with the part and the position in the whole identifier', () => {
    const badIssuer = '91350100M000100Y44';
    const r = validateLicenceId(withCheck(`${DEPT}007`, badIssuer, 'A1', '001'));
    expect(r.errors).toMatchObject([{ code: 'CHECK_CHAR_MISMATCH', part: 'issuer', position: 16 + 22 + 18 - 1 }]);
    expect(r.errors[0]?.message).toContain('颁发机构代码');
    const badDept = `B${DEPT.slice(1)}`;
    expect(validateLicenceId(withCheck(`${badDept}007`, ISSUER, 'A1', '001')).errors.map((e) => [e.code, e.part])).toEqual([
      ['UNKNOWN_AUTHORITY', 'typeCode'],
      ['CHECK_CHAR_MISMATCH', 'typeCode'],
    ]);
  });

  it('CHECK_CHAR_MISMATCH at the last position', () => {
    const wrong = ID.slice(0, -1) + (ID.endsWith('0') ? '1' : '0');
    expect(validateLicenceId(wrong).errors).toMatchObject([{ code: 'CHECK_CHAR_MISMATCH', position: ID.length, expected: ID.slice(-1) }]);
  });
});

describe('property: any single changed character makes a licence identifier invalid', () => {
  it(ID, () => {
    for (let i = 0; i < ID.length; i++) {
      for (const c of '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ.-') {
        if (c === ID[i]) continue;
        const changed = ID.slice(0, i) + c + ID.slice(i + 1);
        expect(validateLicenceId(changed).valid, changed).toBe(false);
      }
    }
  });
});
