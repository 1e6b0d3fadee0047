/**
 * The standards module: validators, decoders and generators for the national identifiers
 * (DOMAIN.md §1). This file is the module's only public surface.
 *
 * @example
 * import { validateIdentifier } from '../standards/index.js';
 * const r = validateIdentifier('citizen-id', '11010519491231002X');
 * if (r.valid) r.parsed.birthDate; // '1949-12-31'
 */
export type { StandardsIssue, StandardsIssueCode, ValidationResult } from './issues.js';

export {
  IDENTIFIER_TYPES,
  isIdentifierType,
  validateIdentifier,
  type IdentifierOptions,
  type IdentifierParts,
  type IdentifierType,
} from './validate-identifier.js';

export { citizenIdCheckChar, makeCitizenId, validateCitizenId, type CitizenIdOptions, type CitizenIdParts } from './citizen-id.js';
export { USCC_ALPHABET, makeUscc, orgCodeCheckChar, usccCheckChar, validateUscc, type UsccParts } from './uscc.js';
export { USCC_AUTHORITIES, type UsccAuthority } from './uscc-authorities.js';
export { divisionTableSource, listDivisions, lookupDivision, validateDivision } from './division.js';
export type { DivisionLevel, DivisionRecord } from './division-table.js';
export { LICENCE_ID_PREFIX, licenceCheckChar, makeLicenceId, validateLicenceId, type LicenceIdParts } from './licence-id.js';
export { SERVICE_ITEM_TYPES, validateServiceItemCode, type ServiceItemCodeParts } from './service-item-code.js';
export { IDENTIFIER_HEADER_NAMES, validateCsvFile, type CsvValidationCounts, type ValidateCsvOptions } from './validate-file.js';
export { standardsRoutes } from './standards.routes.js';
