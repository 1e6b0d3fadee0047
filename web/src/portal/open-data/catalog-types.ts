// The catalog's API types, all derived from the generated OpenAPI schema (see ../../api/types.ts),
// and the code lists the forms and filters offer (their labels are messages `catalog.<list>.<code>`).
import type { components } from '../../api/schema';
import type { BodyOf, ReplyOf } from '../../api/types';

export type Resource = components['schemas']['CatalogResource'];
export type Application = components['schemas']['SharingApplication'];
export type SearchReply = ReplyOf<'/api/v1/catalog/open-data', 'get'>;
export type SearchHit = SearchReply['items'][number];
export type ResourceBody = BodyOf<'/api/v1/catalog/resources', 'post'>;
export type CatalogClass = ReplyOf<'/api/v1/catalog/classes', 'get'>[number];
export type Term = ReplyOf<'/api/v1/catalog/terms', 'get'>[number];
export type QualityReport = ReplyOf<'/api/v1/catalog/quality', 'get'>;

/** The three search views of the catalog API. */
export type CatalogView = 'open' | 'sharing' | 'mine';
export const VIEW_PATH = {
  open: '/api/v1/catalog/open-data',
  sharing: '/api/v1/catalog/sharing',
  mine: '/api/v1/catalog/mine',
} as const;

export const FORMAT_TYPES = [
  'file',
  'spreadsheet',
  'database',
  'image',
  'stream',
  'self-describing',
  'api',
] as const satisfies readonly ResourceBody['formatType'][];
export const SHARE_TYPES = ['unconditional', 'conditional', 'none'] as const satisfies readonly ResourceBody['shareType'][];
export const OPEN_TYPES = ['open', 'conditional', 'closed'] as const satisfies readonly ResourceBody['openType'][];
export const UPDATE_CYCLES = [
  'realtime',
  'daily',
  'weekly',
  'monthly',
  'quarterly',
  'half-yearly',
  'yearly',
] as const satisfies readonly ResourceBody['updateCycle'][];
export const SHARE_METHODS = ['database', 'file', 'interface'] as const satisfies readonly ResourceBody['shareMethods'][number][];
export const ITEM_TYPES = ['C', 'N', 'Y', 'D', 'T', 'L', 'M', 'B', 'I', 'F'] as const satisfies readonly ResourceBody['items'][number]['type'][];
export const LINK_KINDS = ['service', 'file', 'api'] as const;
export const RESOURCE_STATUSES = ['draft', 'pending', 'published', 'returned', 'offline'] as const satisfies readonly Resource['status'][];
export const APPLICATION_STATUSES = ['pending', 'approved', 'refused', 'withdrawn'] as const satisfies readonly Application['status'][];

/** Base-registry classes (人口, 法人单位, 自然资源和空间地理, 电子证照): the server forces 无条件共享. */
export const BASE_REGISTRY_CLASSES = ['101', '102', '103', '105'];
export const isBaseRegistryClass = (code: string | undefined) => !!code && BASE_REGISTRY_CLASSES.some((c) => code.startsWith(c));

/** Search facets → the query parameter that filters by them. */
export const FACET_PARAM = {
  class: 'classCode',
  provider: 'providerOrgId',
  shareType: 'shareType',
  openType: 'openType',
  format: 'formatType',
  updateCycle: 'updateCycle',
  region: 'regionCode',
} as const;
export type FacetName = keyof typeof FACET_PARAM;
export const FACETS = Object.keys(FACET_PARAM) as FacetName[];
