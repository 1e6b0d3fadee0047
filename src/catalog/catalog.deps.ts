import type { AccessRightStore } from '../core/access-rights.js';
import type { AuditSink } from '../core/audit-sink.js';
import type { CalendarService } from '../core/calendar/index.js';
import type { Clock } from '../core/clock.js';
import type { Db } from '../core/db/database.js';
import type { CatalogSearchIndex } from './search-index.js';

/** What the catalog needs to know about an organisation (from the identity module). */
export interface CatalogOrg {
  id: string;
  name: string;
  uscc: string;
  regionCode: string;
}

/** Looks organisations up without authorization (the catalog authorizes its own actions). */
export interface OrgDirectory {
  byId(id: string): Promise<CatalogOrg | undefined>;
}

/** Checks one URL (outbound HTTP is injected, so tests and air-gapped installations decide how). */
export type LinkChecker = (url: string) => Promise<{ ok: boolean; status: number | null; error?: string }>;

/**
 * What the catalog services are built from; injected so tests control time, organisations and
 * the access-right store (the exchange center's, through the `AccessRightStore` seam).
 */
export interface CatalogDeps {
  db: Db;
  audit: AuditSink;
  clock: Clock;
  calendar: CalendarService;
  orgs: OrgDirectory;
  /** Where approved applications become access rights; undefined until the exchange center is wired. */
  accessRights: AccessRightStore | undefined;
  /** The platform's public base URL, for DCAT IRIs (`https://data.example.gov.cn`). */
  baseUrl: string;
  /** Checks an API link for the quality report; `fetch` with a 5-second timeout when absent. */
  checkLink?: LinkChecker;
  /** Outbound HTTP for harvesting other catalogs; the global `fetch` when absent. */
  httpFetch?: (url: string, init: RequestInit) => Promise<Response>;
  /** The in-memory search index (`search-index.ts`); searches use SQL alone when absent. */
  searchIndex?: CatalogSearchIndex;
  /** X-Road instance identifier the consuming subsystems live in (`CN-DEMO`). */
  exchangeInstance?: string;
}
