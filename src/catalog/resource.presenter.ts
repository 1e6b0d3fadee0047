import {
  FORMAT_TYPES,
  OPEN_TYPES,
  RESOURCE_STATUSES,
  SHARE_TYPES,
  UPDATE_CYCLES,
  type DataItem,
  type FormatType,
  type OpenType,
  type ResourceLink,
  type ResourceStatus,
  type ShareMethod,
  type ShareType,
  type UpdateCycle,
} from './catalog.model.js';
import type { ResourceRow } from './catalog.repository.js';

/** A resource as the API returns it: the stored metadata plus Chinese labels for each code. */
export interface Resource {
  id: string;
  code: string;
  classCode: string;
  name: string;
  provider: { orgId: string; name: string; code: string };
  regionCode: string;
  abstract: string;
  formatType: FormatType;
  formatLabel: string;
  formatDetail: string | null;
  items: DataItem[];
  shareType: ShareType;
  shareLabel: string;
  shareCondition: string | null;
  shareBasis: string | null;
  shareMethods: ShareMethod[];
  openType: OpenType;
  openLabel: string;
  openCondition: string | null;
  updateCycle: UpdateCycle;
  updateCycleLabel: string;
  publishedOn: string | null;
  relatedCodes: string[];
  keywords: string[];
  maintainer: string;
  links: ResourceLink[];
  status: ResourceStatus;
  statusLabel: string;
  reviewNote: string | null;
  baseRegistry: boolean;
  dataUpdatedAt: string | null;
  createdAt: string;
  updatedAt: string;
  /** Where a harvested resource came from (read-only here; edit it at `sourceUri`); null for the catalog's own. */
  harvest: HarvestProvenance | null;
}

export interface HarvestProvenance {
  sourceId: string;
  /** The dataset's IRI in the source catalog: the link back. */
  sourceUri: string;
  /** Its identifier there (the source's 信息资源代码). */
  sourceCode: string | null;
  /** dct:modified at the source. */
  sourceModified: string | null;
  harvestedAt: string;
}

export function presentResource(r: ResourceRow): Resource {
  return {
    id: r.id,
    code: r.code,
    classCode: r.class_code,
    name: r.name,
    provider: { orgId: r.provider_org_id, name: r.provider_name, code: r.provider_code },
    regionCode: r.region_code,
    abstract: r.abstract,
    formatType: r.format_type as FormatType,
    formatLabel: FORMAT_TYPES[r.format_type as FormatType] ?? r.format_type,
    formatDetail: r.format_detail,
    items: JSON.parse(r.items) as DataItem[],
    shareType: r.share_type as ShareType,
    shareLabel: SHARE_TYPES[r.share_type as ShareType] ?? r.share_type,
    shareCondition: r.share_condition,
    shareBasis: r.share_basis,
    shareMethods: JSON.parse(r.share_methods) as ShareMethod[],
    openType: r.open_type as OpenType,
    openLabel: OPEN_TYPES[r.open_type as OpenType] ?? r.open_type,
    openCondition: r.open_condition,
    updateCycle: r.update_cycle as UpdateCycle,
    updateCycleLabel: UPDATE_CYCLES[r.update_cycle as UpdateCycle]?.zh ?? r.update_cycle,
    publishedOn: r.published_on,
    relatedCodes: JSON.parse(r.related_codes) as string[],
    keywords: JSON.parse(r.keywords) as string[],
    maintainer: r.maintainer,
    links: JSON.parse(r.links) as ResourceLink[],
    status: r.status as ResourceStatus,
    statusLabel: RESOURCE_STATUSES[r.status as ResourceStatus] ?? r.status,
    reviewNote: r.review_note,
    baseRegistry: r.base_registry === 1,
    dataUpdatedAt: r.data_updated_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    harvest: r.harvest_source_id
      ? {
          sourceId: r.harvest_source_id,
          sourceUri: r.source_uri ?? '',
          sourceCode: r.source_code ?? null,
          sourceModified: r.source_modified ?? null,
          harvestedAt: r.harvested_at ?? r.updated_at,
        }
      : null,
  };
}
