import { Result } from 'antd';
import { Route, Routes } from 'react-router';
import { CatalogSearch } from '../../portal/open-data/catalog-search';
import { useI18n } from '../../i18n';
import { ApplicationsPage } from './applications-page';
import type { CatalogPage } from './catalog-actions';
import { MyResourcePage, MyResourcesPage } from './mine-pages';
import { QualityPage } from './quality-page';
import { EditResourcePage, NewResourcePage } from './resource-form';
import { SharingResourcePage } from './resource-view';
import { ReviewQueuePage, ReviewResourcePage } from './review-page';
import { TaxonomyPage } from './taxonomy-page';

function SharingPage() {
  const { t } = useI18n();
  return <CatalogSearch view="sharing" title={t('catalog.sharing.title')} pageSize={20} hrefOf={(hit) => `/console/catalog/resources/${hit.resource.id}`} />;
}

/** One catalog page of the console with its sub-routes (a lazy chunk); `allowed` is the console's action set. */
export default function CatalogConsole({ page, allowed }: { page: CatalogPage; allowed: ReadonlySet<string> }) {
  const notFound = <Result status="404" title="404" />;
  switch (page) {
    case 'catalog':
      return (
        <Routes>
          <Route index element={<SharingPage />} />
          <Route path="resources/:id" element={<SharingResourcePage canApply={allowed.has('catalog.application.create')} />} />
          <Route path="*" element={notFound} />
        </Routes>
      );
    case 'catalog-mine':
      return (
        <Routes>
          <Route index element={<MyResourcesPage />} />
          <Route path="new" element={<NewResourcePage />} />
          <Route path=":id" element={<MyResourcePage canWithdraw={allowed.has('catalog.resource.withdraw')} />} />
          <Route path=":id/edit" element={<EditResourcePage />} />
          <Route path="*" element={notFound} />
        </Routes>
      );
    case 'catalog-review':
      return (
        <Routes>
          <Route index element={<ReviewQueuePage />} />
          <Route path=":id" element={<ReviewResourcePage />} />
          <Route path="*" element={notFound} />
        </Routes>
      );
    case 'catalog-applications':
      return <ApplicationsPage canDecide={allowed.has('catalog.application.decide')} canWithdraw={allowed.has('catalog.application.withdraw')} />;
    case 'catalog-quality':
      return <QualityPage canSeeAll={allowed.has('catalog.review.queue')} />;
    case 'catalog-taxonomy':
      return <TaxonomyPage canManageClasses={allowed.has('catalog.class.manage')} canManageTerms={allowed.has('catalog.term.manage')} />;
  }
}
