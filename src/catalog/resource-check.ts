import type { FieldIssue } from '../core/errors.js';
import {
  FORMAT_TYPES,
  isBaseRegistryClass,
  ITEM_TYPES,
  LINK_KINDS,
  OPEN_TYPES,
  SHARE_METHODS,
  SHARE_TYPES,
  UPDATE_CYCLES,
  type ResourceInput,
} from './catalog.model.js';

const FIELD_ID = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const RESOURCE_CODE = /^\d{3,9}\/\d{6}$/;
const SERVICE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}(\/[A-Za-z0-9][A-Za-z0-9._-]{0,63}){4}$/;

const text = (v: string | null | undefined): string => (v ?? '').trim();

/**
 * The catalog rules on one resource's metadata (GB/T 21063.3, 共享管理暂行办法), as field issues
 * with plain field names (`shareCondition`, `items.2.type`) that callers prefix (`body.`) or map
 * to spreadsheet columns. `classLevel` is the level of `input.classCode` (undefined: no such class).
 */
export function checkResourceInput(input: ResourceInput, classLevel: number | undefined): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const need = (field: string, value: string | null | undefined, what: string, max = 2000) => {
    const v = text(value);
    if (!v) issues.push({ field, reason: `${what}不能为空 (required)` });
    else if (v.length > max) issues.push({ field, reason: `${what}最长 ${max} 个字符 (at most ${max} characters)` });
  };
  if (classLevel === undefined) issues.push({ field: 'classCode', reason: `分类 ${input.classCode} 不存在 (no such class)` });
  else if (classLevel < 2) issues.push({ field: 'classCode', reason: '信息资源应归入“项”及以下的分类 (choose a class at level 项 or below)' });
  need('name', input.name, '信息资源名称', 100);
  need('abstract', input.abstract, '信息资源摘要');
  need('maintainer', input.maintainer, '元数据维护方', 100);
  if (!(input.formatType in FORMAT_TYPES)) issues.push({ field: 'formatType', reason: `应为 ${Object.keys(FORMAT_TYPES).join(' / ')} 之一 (unknown format)` });
  if (text(input.formatDetail).length > 100) issues.push({ field: 'formatDetail', reason: '最长 100 个字符 (at most 100 characters)' });

  if (input.items.length === 0) issues.push({ field: 'items', reason: '至少需要一个信息项 (at least one data item)' });
  const names = new Set<string>();
  const fields = new Set<string>();
  input.items.forEach((item, i) => {
    need(`items.${i}.name`, item.name, '信息项名称', 100);
    if (!FIELD_ID.test(item.field ?? ''))
      issues.push({ field: `items.${i}.field`, reason: '字段标识应为字母开头的英文标识符 (must be an identifier like idNumber)' });
    if (names.has(text(item.name))) issues.push({ field: `items.${i}.name`, reason: `信息项“${item.name}”重复 (duplicate item name)` });
    if (fields.has(item.field)) issues.push({ field: `items.${i}.field`, reason: `字段标识 ${item.field} 重复 (duplicate field)` });
    names.add(text(item.name));
    fields.add(item.field);
    if (!(item.type in ITEM_TYPES))
      issues.push({ field: `items.${i}.type`, reason: `数据类型应为 ${Object.keys(ITEM_TYPES).join('')} 之一 (unknown data type)` });
    if (item.length !== null && (!Number.isInteger(item.length) || item.length < 1 || item.length > 100000))
      issues.push({ field: `items.${i}.length`, reason: '长度应为 1–100000 的整数 (length must be an integer 1–100000)' });
    if (text(item.element).length > 64) issues.push({ field: `items.${i}.element`, reason: '数据元标识最长 64 个字符 (at most 64 characters)' });
  });

  const baseRegistry = isBaseRegistryClass(input.classCode);
  if (!(input.shareType in SHARE_TYPES)) issues.push({ field: 'shareType', reason: '应为 unconditional / conditional / none 之一 (unknown sharing type)' });
  else if (!baseRegistry && input.shareType === 'conditional' && !text(input.shareCondition))
    issues.push({ field: 'shareCondition', reason: '有条件共享必须写明共享条件 (a conditional resource needs its condition)' });
  else if (!baseRegistry && input.shareType === 'none' && !text(input.shareBasis))
    issues.push({ field: 'shareBasis', reason: '不予共享必须写明法律、行政法规或党中央、国务院政策依据 (not sharing needs a legal basis)' });
  if (input.shareType !== 'none' || baseRegistry) {
    if (input.shareMethods.length === 0) issues.push({ field: 'shareMethods', reason: '至少选择一种共享方式 (choose a sharing method)' });
  }
  input.shareMethods.forEach((m, i) => {
    if (!(m in SHARE_METHODS)) issues.push({ field: `shareMethods.${i}`, reason: '应为 database / file / interface 之一 (unknown method)' });
  });
  if (!(input.openType in OPEN_TYPES)) issues.push({ field: 'openType', reason: '应为 open / conditional / closed 之一 (unknown open attribute)' });
  else if (input.openType === 'conditional' && !text(input.openCondition))
    issues.push({ field: 'openCondition', reason: '有条件开放必须写明开放条件 (conditional opening needs its condition)' });
  if (!(input.updateCycle in UPDATE_CYCLES))
    issues.push({ field: 'updateCycle', reason: `应为 ${Object.keys(UPDATE_CYCLES).join(' / ')} 之一 (unknown update cycle)` });

  (input.relatedCodes ?? []).forEach((c, i) => {
    if (!RESOURCE_CODE.test(c))
      issues.push({ field: `relatedCodes.${i}`, reason: '关联资源代码应为 分类码/顺序码，如 101001/000001 (must be a resource code)' });
  });
  const keywords = input.keywords ?? [];
  if (keywords.length > 20) issues.push({ field: 'keywords', reason: '关键词最多 20 个 (at most 20 keywords)' });
  keywords.forEach((k, i) => {
    if (!text(k) || k.length > 30) issues.push({ field: `keywords.${i}`, reason: '关键词应为 1–30 个字符 (1–30 characters)' });
  });
  (input.links ?? []).forEach((l, i) => {
    if (!(l.kind in LINK_KINDS)) issues.push({ field: `links.${i}.kind`, reason: '应为 service / file / api 之一 (unknown link kind)' });
    else if (l.kind === 'service' && !SERVICE_ID.test(l.ref))
      issues.push({ field: `links.${i}.ref`, reason: '交换服务应为 INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE (must be a service identifier)' });
    else if (l.kind === 'api' && !/^https?:\/\/[^\s]+$/.test(l.ref))
      issues.push({ field: `links.${i}.ref`, reason: '接口地址应为 http(s) URL (must be an http(s) URL)' });
    else if (!text(l.ref) || l.ref.length > 500) issues.push({ field: `links.${i}.ref`, reason: '不能为空，最长 500 个字符 (1–500 characters)' });
  });
  return issues;
}

/**
 * The metadata as stored: trimmed, and for base-registry classes (人口, 法人单位, 自然资源和空间地理,
 * 电子证照) forced to 无条件共享 whatever was asked, as the 2016 measures require.
 */
export function normalizeResourceInput(input: ResourceInput): ResourceInput & { baseRegistry: boolean } {
  const baseRegistry = isBaseRegistryClass(input.classCode);
  const shareType = baseRegistry ? 'unconditional' : input.shareType;
  return {
    ...input,
    name: text(input.name),
    abstract: text(input.abstract),
    maintainer: text(input.maintainer),
    formatDetail: text(input.formatDetail) || null,
    items: input.items.map((i) => ({ name: text(i.name), field: i.field, type: i.type, length: i.length ?? null, element: text(i.element) || null })),
    shareType,
    shareCondition: shareType === 'conditional' ? text(input.shareCondition) : null,
    shareBasis: shareType === 'none' ? text(input.shareBasis) : null,
    shareMethods: [...new Set(input.shareMethods)],
    openCondition: input.openType === 'conditional' ? text(input.openCondition) : null,
    relatedCodes: [...new Set(input.relatedCodes ?? [])],
    keywords: [...new Set((input.keywords ?? []).map(text).filter(Boolean))],
    links: (input.links ?? []).map((l) => ({ kind: l.kind, ref: l.ref.trim(), title: text(l.title) || null })),
    baseRegistry,
  };
}
