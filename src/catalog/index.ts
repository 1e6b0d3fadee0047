/** The catalog module's public surface: resources, review, search, classification, thesaurus, sharing applications. */
export { catalogMigration } from './catalog.migration.js';
export { catalogHarvestMigration } from './harvest.migration.js';
export { catalogSearchScaleMigration } from './search-scale.migration.js';
export { catalogSearchChangesMigration } from './search-changes.migration.js';
export { createCatalogSearchIndex, type CatalogSearchIndex } from './search-index.js';
export type { CatalogDeps, CatalogOrg, OrgDirectory, LinkChecker } from './catalog.deps.js';
export * from './catalog.model.js';
export { catalogRoutes } from './catalog.routes.js';
export { type Resource, type HarvestProvenance, presentResource } from './resource.presenter.js';
export {
  createResource,
  updateResource,
  submitResource,
  reviewResource,
  withdrawResource,
  markDataUpdated,
  getResource,
  listResources,
  reindexAll,
} from './resource.service.js';
export { searchCatalog, FACET_NAMES, type CatalogView, type SearchParams, type SearchResult, type SearchHit } from './search.service.js';
export {
  seedClasses,
  listClasses,
  createClass,
  renameClass,
  deleteClass,
  listTerms,
  createTerm,
  updateTerm,
  deleteTerm,
  type Term,
  type CatalogClass,
} from './taxonomy.service.js';
export {
  applyForResource,
  decideApplication,
  withdrawApplication,
  getApplication,
  listApplications,
  ANSWER_WORKING_DAYS,
  type SharingApplication,
  type ApplyInput,
} from './application.service.js';
export { queryGroups, indexTokens, highlight, segmentForIndex } from './segmenter.js';
export { importResources, importCatalogFile, exportCatalog, type ImportRow, type ImportResult, type ImportProgress } from './import.service.js';
export { catalogTemplate, COLUMNS as CATALOG_COLUMNS } from './spreadsheet.js';
export { sampleCatalog, type SampleResource } from './sample-catalog.js';
export { seedDemoCatalog } from './catalog-demo.js';
export { qualityReport, fetchLinkChecker, type QualityReport } from './quality.service.js';
export {
  createHarvestSource,
  updateHarvestSource,
  listHarvestSources,
  getHarvestSource,
  deleteHarvestSource,
  runHarvest,
  runDueHarvests,
  findOrCreateHarvestSource,
  type HarvestSource,
  type HarvestRun,
  type HarvestSourceInput,
  type HarvestProgress,
} from './harvest.service.js';
