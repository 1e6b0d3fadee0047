/** Dispatch by identifier type, for the CLI, the CSV validator and HTTP routes. */
import { AppError } from '../core/errors.js';
import { validateCitizenId, type CitizenIdOptions, type CitizenIdParts } from './citizen-id.js';
import { validateDivision } from './division.js';
import type { DivisionRecord } from './division-table.js';
import type { ValidationResult } from './issues.js';
import { validateLicenceId, type LicenceIdParts } from './licence-id.js';
import { validateUscc, type UsccParts } from './uscc.js';

/** The identifier types `validateIdentifier` knows, e.g. for a CLI argument or a query enum. */
export const IDENTIFIER_TYPES = ['citizen-id', 'uscc', 'division', 'licence-id'] as const;
export type IdentifierType = (typeof IDENTIFIER_TYPES)[number];

/** The parsed parts each identifier type yields. */
export interface IdentifierParts {
  'citizen-id': CitizenIdParts;
  uscc: UsccParts;
  division: DivisionRecord;
  'licence-id': LicenceIdParts;
}

export type IdentifierOptions = CitizenIdOptions;

const VALIDATORS: {
  [K in IdentifierType]: (value: string, options: IdentifierOptions) => ValidationResult<IdentifierParts[K]>;
} = {
  'citizen-id': validateCitizenId,
  uscc: (value) => validateUscc(value),
  division: (value) => validateDivision(value),
  'licence-id': (value) => validateLicenceId(value),
};

/**
 * True when `type` names an identifier type.
 *
 * @example isIdentifierType('uscc') // true
 */
export function isIdentifierType(type: string): type is IdentifierType {
  return (IDENTIFIER_TYPES as readonly string[]).includes(type);
}

/**
 * Validates `value` as an identifier of `type`. `options.today` only matters for citizen ids.
 *
 * @example validateIdentifier('uscc', '91350100M000100Y43').valid // true
 * @throws AppError STANDARDS_UNKNOWN_TYPE when `type` is not one of IDENTIFIER_TYPES (callers
 *   passing unchecked input should test with isIdentifierType first)
 */
export function validateIdentifier<T extends IdentifierType>(type: T, value: string, options: IdentifierOptions = {}): ValidationResult<IdentifierParts[T]> {
  if (!isIdentifierType(type)) {
    throw new AppError('STANDARDS_UNKNOWN_TYPE', `未知的标识类型「${String(type)}」，可用：${IDENTIFIER_TYPES.join('、')}`, {
      type,
      known: IDENTIFIER_TYPES,
    });
  }
  const validate: (value: string, options: IdentifierOptions) => ValidationResult<IdentifierParts[T]> = VALIDATORS[type];
  return validate(value, options);
}
