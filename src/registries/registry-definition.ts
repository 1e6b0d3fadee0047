/**
 * What a base registry is, as data: its key, its attributes (type, code table, identifier
 * validators, who the source department is, whether the value is personal or sealed at rest).
 * Adding a registry means adding a definition; no code changes.
 */
import { validateIdentifier, type IdentifierType } from '../standards/index.js';
import { CODE_TABLES, type CodeTable } from './code-tables.js';
import { geometryProblem } from './geometry.js';

export type AttributeType = 'string' | 'date' | 'integer' | 'decimal' | 'code' | 'identifier' | 'division' | 'geometry' | 'area';

export interface AttributeDefinition {
  name: string;
  label: { zh: string; en: string };
  type: AttributeType;
  /** The source department (一数一源): the only one that may write this attribute. Key into `SOURCE_DEPARTMENTS`. */
  source: string;
  required?: boolean;
  /** For `code`: the code table's key in `CODE_TABLES` (or the definition's own `codeTables`). */
  codeTable?: string;
  /** For `identifier`: the value must be valid as one of these. */
  identifierTypes?: readonly IdentifierType[];
  /** For `string`: a pattern the whole value must match, with its human description. */
  pattern?: { regex: string; description: string };
  maxLength?: number;
  /** Personal data: masked for a caller whose right does not cover it. */
  personal?: boolean;
  /** Encrypted at rest with the platform's data key. */
  sensitive?: boolean;
  /** Must agree with a part of the record key's parsed identifier (birth date, sex). */
  matchesKeyPart?: { part: 'birthDate' | 'sex'; map?: Readonly<Record<string, string>> };
  /** For `area`: computed from this geometry attribute (never written directly). */
  computedFrom?: string;
  /** For `date`: not later than today. */
  notInFuture?: boolean;
}

export interface RegistryDefinition {
  /** URL-safe key: `population`. */
  key: string;
  /** Version of the definition (GovStack `versionNumber`). */
  version: string;
  name: { zh: string; en: string };
  /** The attribute that identifies a record (公民身份号码, 统一社会信用代码, 宗地代码). */
  keyAttribute: string;
  attributes: readonly AttributeDefinition[];
  /** An attribute whose citizen identity number makes a read a personal-data access of that citizen. */
  dataSubjectAttribute?: string;
  /** The right-holder attribute: `GET …/records?holder=` searches it. */
  holderAttribute?: string;
  /** The geometry attribute: point and bbox searches use it. */
  geometryAttribute?: string;
  /** Working days the source department has to resolve a discrepancy report. */
  discrepancyDays: number;
  /** Extra code tables of this registry, merged over the shipped ones. */
  codeTables?: Readonly<Record<string, CodeTable>>;
}

/** A value as stored: strings, numbers, or a GeoJSON object. */
export type AttributeValue = string | number | Record<string, unknown>;
export type Attributes = Record<string, AttributeValue | null>;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function realDate(v: string): boolean {
  const m = DATE.exec(v);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

export function codeTableOf(def: RegistryDefinition, attr: AttributeDefinition): CodeTable {
  return (attr.codeTable && (def.codeTables?.[attr.codeTable] ?? CODE_TABLES[attr.codeTable])) || {};
}

const attributeMaps = new WeakMap<RegistryDefinition, Map<string, AttributeDefinition>>();

export function attributeOf(def: RegistryDefinition, name: string): AttributeDefinition | undefined {
  let byName = attributeMaps.get(def);
  if (!byName) attributeMaps.set(def, (byName = new Map(def.attributes.map((a) => [a.name, a]))));
  return byName.get(name);
}

const sensitiveSets = new WeakMap<RegistryDefinition, ReadonlySet<string>>();

/** The names of the attributes sealed at rest. */
export function sensitiveNames(def: RegistryDefinition): ReadonlySet<string> {
  let names = sensitiveSets.get(def);
  if (!names) sensitiveSets.set(def, (names = new Set(def.attributes.filter((a) => a.sensitive).map((a) => a.name))));
  return names;
}

/**
 * Why `value` is not a valid value of `attr`, or undefined when it is. `null` clears an
 * optional attribute. `today` (YYYY-MM-DD) bounds dates marked `notInFuture`.
 */
export function valueProblem(def: RegistryDefinition, attr: AttributeDefinition, value: unknown, today: string): string | undefined {
  if (value === null || value === undefined || value === '') return attr.required ? '必填 (required)' : undefined;
  switch (attr.type) {
    case 'geometry':
      return geometryProblem(value);
    case 'area':
      return '由几何图形计算，不可写入 (computed from the geometry, not writable)';
    case 'integer':
      return typeof value === 'number' && Number.isSafeInteger(value) ? undefined : '须为整数 (must be an integer)';
    case 'decimal':
      return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? undefined : '须为非负数 (must be a non-negative number)';
    default:
      break;
  }
  if (typeof value !== 'string') return '须为字符串 (must be a string)';
  if (attr.maxLength && Array.from(value).length > attr.maxLength) return `长度不得超过 ${attr.maxLength} (at most ${attr.maxLength} characters)`;
  switch (attr.type) {
    case 'date':
      if (!realDate(value)) return '须为有效日期 YYYY-MM-DD (must be a real date YYYY-MM-DD)';
      if (attr.notInFuture && value > today) return '不得晚于今天 (must not be in the future)';
      return undefined;
    case 'code': {
      const table = codeTableOf(def, attr);
      return Object.hasOwn(table, value) ? undefined : `代码「${value}」不在代码表 ${attr.codeTable} 中 (unknown code)`;
    }
    case 'identifier':
    case 'division': {
      const types = attr.type === 'division' ? (['division'] as const) : (attr.identifierTypes ?? []);
      const results = types.map((t) => validateIdentifier(t, value, { today }));
      if (results.some((r) => r.valid)) return undefined;
      const first = results[0]?.errors[0];
      return first ? `${first.message} (${first.messageEn})` : '标识不合法 (invalid identifier)';
    }
    case 'string':
      if (attr.pattern && !new RegExp(attr.pattern.regex, 'u').test(value)) return `格式不符：${attr.pattern.description}`;
      return undefined;
    default:
      return undefined;
  }
}

let lastParsed: { key: string; parsed: ReturnType<typeof validateIdentifier<'citizen-id'>>['parsed'] } | undefined;

/**
 * Cross-checks of an attribute against the parsed record key (e.g. birth date inside the identity
 * number). `today` (YYYY-MM-DD, default now in Beijing time) as for `valueProblem`.
 */
export function keyPartProblem(def: RegistryDefinition, attr: AttributeDefinition, value: unknown, key: string, today?: string): string | undefined {
  if (!attr.matchesKeyPart || value === null || value === undefined) return undefined;
  const keyAttr = attributeOf(def, def.keyAttribute);
  const type = keyAttr?.identifierTypes?.[0];
  if (type !== 'citizen-id') return undefined;
  // A row checks two or three attributes against one key: parse it once.
  if (lastParsed?.key !== key) lastParsed = { key, parsed: validateIdentifier('citizen-id', key, today ? { today } : {}).parsed };
  const parsed = lastParsed.parsed;
  const part = parsed?.[attr.matchesKeyPart.part];
  if (part === undefined) return undefined;
  const expected = attr.matchesKeyPart.map?.[part] ?? part;
  return value === expected ? undefined : `与${keyAttr?.label.zh ?? '主键'}不一致，应为「${expected}」 (disagrees with the record key)`;
}

/** Masks a value for a caller whose right does not cover it: `1101**********002X`, `张*`, `福州市鼓楼区***`. */
export function maskValue(attr: AttributeDefinition, value: AttributeValue | null): AttributeValue | null {
  if (value === null) return null;
  if (typeof value !== 'string') return attr.type === 'geometry' ? null : '***';
  const chars = Array.from(value);
  if (attr.type === 'identifier')
    return chars.length <= 8 ? '*'.repeat(chars.length) : chars.slice(0, 4).join('') + '*'.repeat(chars.length - 8) + chars.slice(-4).join('');
  if (attr.type === 'date') return value.slice(0, 4) + '-**-**';
  if (attr.type === 'code' || attr.type === 'division') return '**';
  if (chars.length <= 1) return '*';
  if (chars.length <= 4) return chars[0] + '*'.repeat(chars.length - 1);
  return chars.slice(0, Math.min(6, Math.floor(chars.length / 2))).join('') + '***';
}
