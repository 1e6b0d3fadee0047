import { useQuery } from '@tanstack/react-query';
import { call } from '../../api/client';
import type { ReplyOf } from '../../api/types';
import type { Lang } from '../../i18n';
import { useDepartments } from '../departments';

export type RegistryDefinition = ReplyOf<'/api/v1/registries', 'get'>['items'][number];
export type RegistryAttribute = RegistryDefinition['attributes'][number];
export type RegistryRecord = ReplyOf<'/api/v1/registries/{registry}/records/{key}', 'get'>;
export type HistoryEntry = ReplyOf<'/api/v1/registries/{registry}/records/{key}/history', 'get'>['items'][number];
export type Discrepancy = ReplyOf<'/api/v1/registry-discrepancies', 'get'>['items'][number];
export type TreeHead = ReplyOf<'/api/v1/registries/{registry}/log', 'get'>;

/** Every registry's definition (attributes, labels, code tables, source departments). */
export function useRegistries() {
  return useQuery({ queryKey: ['registries'], queryFn: () => call('get', '/api/v1/registries'), staleTime: 60_000 });
}

/** Source department roles → their names (公安局 …), for history entries. */
export function useSourceNames() {
  const sources = useQuery({ queryKey: ['registries', 'sources'], queryFn: () => call('get', '/api/v1/registries/sources'), staleTime: 60_000 });
  return (source: string, lang: Lang) => {
    const s = sources.data?.items.find((i) => i.source === source);
    return s ? (lang === 'en' ? s.en : s.zh) : source;
  };
}

/** Organisation id → name, from the department list (falls back to the id while loading). */
export function useOrgName() {
  const departments = useDepartments();
  return (id: string | null | undefined) => (id ? (departments.data?.find((d) => d.id === id)?.name ?? id) : '—');
}

export const label = (a: { label: { zh: string; en: string } } | undefined, name: string, lang: Lang) => (a ? (lang === 'en' ? a.label.en : a.label.zh) : name);

/** A stored value as a person reads it: code tables resolved, polygons summarised, null as a dash. */
export function displayValue(attr: Pick<RegistryAttribute, 'type' | 'codes'> | undefined, value: unknown, polygon: (points: number) => string): string {
  if (value === null || value === undefined || value === '') return '—';
  if (attr?.type === 'geometry' && typeof value === 'object') return polygon(ringsOf(value).reduce((n, r) => n + Math.max(0, r.length - 1), 0));
  if (attr?.type === 'area' && typeof value === 'number') return value.toLocaleString(undefined, { maximumFractionDigits: 1 });
  if (typeof value === 'object') return JSON.stringify(value);
  const s = String(value);
  const name = attr?.codes?.[s];
  return name ? `${s} ${name}` : s;
}

type Ring = Array<[number, number]>;

/** The outer and inner rings of a GeoJSON Polygon or MultiPolygon ([] for anything else). */
export function ringsOf(geometry: unknown): Ring[] {
  const g = geometry as { type?: string; coordinates?: unknown } | null;
  if (!g || !Array.isArray(g.coordinates)) return [];
  if (g.type === 'Polygon') return g.coordinates as Ring[];
  if (g.type === 'MultiPolygon') return (g.coordinates as Ring[][]).flat();
  return [];
}

/** A key the server masked for this reader (`3501**********1234`) cannot be looked up. */
export const isMaskedKey = (key: string) => key.includes('*');

export function formatTime(iso: string | null | undefined, lang: Lang): string {
  return iso ? new Date(iso).toLocaleString(lang, { timeZone: 'Asia/Shanghai' }) : '—';
}
