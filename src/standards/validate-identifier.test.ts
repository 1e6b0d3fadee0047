import { describe, expect, it } from 'vitest';
import { AppError } from '../core/errors.js';
import { IDENTIFIER_TYPES, isIdentifierType, makeLicenceId, validateIdentifier, type IdentifierType } from './index.js';

describe('validateIdentifier', () => {
  it('lists the four types', () => {
    expect(IDENTIFIER_TYPES).toEqual(['citizen-id', 'uscc', 'division', 'licence-id']);
    expect(isIdentifierType('uscc')).toBe(true);
    expect(isIdentifierType('passport')).toBe(false);
  });

  it('dispatches to each validator, with typed parsed parts', () => {
    const id = validateIdentifier('citizen-id', '11010519491231002X');
    if (!id.valid) throw new Error('expected valid');
    expect(id.parsed.birthDate).toBe('1949-12-31');
    expect(validateIdentifier('uscc', '91350100M000100Y43').parsed.divisionName).toBe('福建省福州市');
    expect(validateIdentifier('division', '350100').parsed.name).toBe('福州市');
    const licence = makeLicenceId({ definingDept: '91350100M000100Y43', typeNumber: 1, issuer: '91350100M000100Y43', serial: '1' });
    expect(validateIdentifier('licence-id', licence).valid).toBe(true);
  });

  it('passes today to the citizen-id validator', () => {
    expect(validateIdentifier('citizen-id', '11010519491231002X', { today: '1949-12-30' }).errors[0]?.code).toBe('FUTURE_BIRTH_DATE');
  });

  it('throws STANDARDS_UNKNOWN_TYPE for an unknown type', () => {
    try {
      validateIdentifier('passport' as IdentifierType, 'E12345678');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('STANDARDS_UNKNOWN_TYPE');
    }
  });
});
