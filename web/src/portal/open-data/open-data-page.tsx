import { useI18n } from '../../i18n';
import { CatalogSearch } from './catalog-search';

/** 数据开放: the open-data catalog (published resources open to the public), for everyone. A lazy chunk. */
export default function OpenDataPage() {
  const { t } = useI18n();
  return (
    <>
      <CatalogSearch view="open" title={t('catalog.open.title')} hrefOf={(hit) => `/open-data/${hit.resource.id}`} />
      <p className="zt-muted">
        {t('catalog.open.dcat')} <a href="/api/v1/catalog/dcat.ttl">Turtle</a> · <a href="/api/v1/catalog/dcat.jsonld">JSON-LD</a>
      </p>
    </>
  );
}
