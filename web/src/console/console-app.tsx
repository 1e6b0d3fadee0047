import { App, Button, Layout, Menu, Result } from 'antd';
import { lazy, Suspense } from 'react';
import { Route, Routes, useLocation, useNavigate } from 'react-router';
import { useSession, useSignOut } from '../api/session';
import type { User } from '../api/types';
import { ErrorState, LoadingState } from '../components/states';
import { useI18n } from '../i18n';
import type { MessageKey } from '../messages/zh-cn';
import { ConsoleLogin } from './console-login';
import { AuditPage } from './audit-page';
import { CATALOG_PAGES, ownDepartmentCatalogActions } from './catalog/catalog-actions';
import { CalendarPage } from './calendar-page';
import { IdentifiersPage } from './identifiers-page';
import { OrgsPage } from './orgs-page';
import { UsersPage } from './users-page';

// The catalog pages load on demand (their own chunk).
const CatalogConsole = lazy(() => import('./catalog/catalog-console'));
const RegistryPage = lazy(() => import('./registry/registry-page'));
const DiscrepanciesPage = lazy(() => import('./registry/discrepancies-page'));
const CatalogImportPage = lazy(() => import('./catalog/import-page'));
const HarvestSourcesPage = lazy(() => import('./catalog/harvest-page'));
const RegistryVerifyPage = lazy(() => import('./registry/verify-page'));
const RegistryImportPage = lazy(() => import('./registry/import-page'));

/** Lazy pages outside the catalog console: path, menu label, the action that shows the page, and the page. */
const DATA_PAGES = [
  { path: 'catalog-import', key: 'catalog.nav.import', action: 'catalog.resource.edit', Page: CatalogImportPage },
  { path: 'catalog-harvest', key: 'catalog.nav.harvest', action: 'catalog.harvest.manage', Page: HarvestSourcesPage },
  { path: 'registry-verify', key: 'registry.nav.verify', action: 'registry.verify', Page: RegistryVerifyPage },
  { path: 'registry-import', key: 'registry.nav.import', action: 'registry.write', Page: RegistryImportPage },
] as const;

/** Console pages and the action that shows each in the navigation (from the session's allowedActions). */
const PAGES: { path: string; key: MessageKey; action?: string }[] = [
  { path: '', key: 'console.nav.home' },
  { path: 'orgs', key: 'console.nav.orgs', action: 'identity.org.read' },
  { path: 'users', key: 'console.nav.users', action: 'identity.user.read' },
  { path: 'audit', key: 'console.nav.audit', action: 'audit.read' },
  { path: 'identifiers', key: 'console.nav.identifiers', action: 'standards.validate-batch' },
  { path: 'calendar', key: 'console.nav.calendar', action: 'calendar.update' },
  ...CATALOG_PAGES,
  ...DATA_PAGES.slice(0, 2),
  { path: 'registry', key: 'registry.nav.browser', action: 'registry.read' },
  { path: 'registry-discrepancies', key: 'registry.nav.discrepancies', action: 'registry.discrepancy' },
  ...DATA_PAGES.slice(2),
];

function Overview({ user }: { user: User }) {
  const { t } = useI18n();
  return (
    <section aria-labelledby="zt-page-title">
      <h1 id="zt-page-title">{t('console.home.hello', { name: user.displayName })}</h1>
      <p>{t('console.home.roles', { roles: user.roles.join('、') || '—' })}</p>
    </section>
  );
}

function Forbidden() {
  const { t } = useI18n();
  return <Result status="403" title="403" subTitle={t('console.forbidden')} />;
}

/** The staff console (a lazy chunk): sign-in with TOTP, then a shell whose navigation follows the role. */
export default function ConsoleApp() {
  const { t, lang, setLang } = useI18n();
  const session = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const signOut = useSignOut();

  if (session.isPending) return <LoadingState />;
  if (session.isError) return <ErrorState error={session.error} onRetry={() => void session.refetch()} />;
  const s = session.data;
  // Anonymous, half-way through the second factor, or a citizen: the staff sign-in page.
  if (!s.authenticated || !s.user || s.mfa === 'enroll' || s.mfa === 'verify' || s.user.kind !== 'staff')
    return <ConsoleLogin mfa={s.authenticated ? s.mfa : undefined} />;

  // allowedActions lists what a role may do everywhere; a department admin's user rights hold in
  // their own department only (a policy condition), so the page is offered by role as well.
  const allowed = new Set(s.allowedActions);
  if (s.user.roles.includes('dept-admin'))
    for (const a of ['identity.user.read', 'identity.user.create', 'identity.user.update', 'identity.user.unlock']) allowed.add(a);
  for (const a of ownDepartmentCatalogActions(s.user)) allowed.add(a);
  const visible = PAGES.filter((p) => !p.action || allowed.has(p.action));
  const current = location.pathname.replace(/^\/console\/?/, '').split('/')[0] ?? '';
  return (
    <App>
      <Layout className="zt-console">
        <Layout.Header className="zt-console-header">
          <span className="zt-console-title">{t('console.title')}</span>
          <span>
            <Button type="link" onClick={() => setLang(lang === 'en' ? 'zh-CN' : 'en')} aria-label={`${t('lang.switch')}（${t('lang.label')}）`}>
              {t('lang.switch')}
            </Button>
            <Button type="link" onClick={() => navigate('/')}>
              {t('console.nav.portal')}
            </Button>
            <span className="zt-console-user">{s.user.displayName}</span>
            <Button
              type="link"
              onClick={async () => {
                await signOut();
                navigate('/console');
              }}
            >
              {t('nav.logout')}
            </Button>
          </span>
        </Layout.Header>
        <Layout>
          <Layout.Sider width={200} theme="light" breakpoint="md" collapsedWidth={0}>
            <nav aria-label={t('nav.label')}>
              <Menu
                mode="inline"
                selectedKeys={[current]}
                items={visible.map((p) => ({ key: p.path, label: t(p.key) }))}
                onClick={({ key }) => navigate(`/console/${key}`)}
              />
            </nav>
          </Layout.Sider>
          <Layout.Content className="zt-console-content" id="main">
            <Routes>
              <Route index element={<Overview user={s.user} />} />
              <Route path="orgs" element={allowed.has('identity.org.read') ? <OrgsPage canCreate={allowed.has('identity.org.create')} /> : <Forbidden />} />
              <Route path="users" element={allowed.has('identity.user.read') ? <UsersPage allowed={allowed} /> : <Forbidden />} />
              <Route path="audit" element={allowed.has('audit.read') ? <AuditPage /> : <Forbidden />} />
              <Route path="identifiers" element={allowed.has('standards.validate-batch') ? <IdentifiersPage /> : <Forbidden />} />
              <Route path="calendar" element={allowed.has('calendar.read') ? <CalendarPage canEdit={allowed.has('calendar.update')} /> : <Forbidden />} />
              {CATALOG_PAGES.map((p) => (
                <Route
                  key={p.path}
                  path={`${p.path}/*`}
                  element={
                    allowed.has(p.action) ? (
                      <Suspense fallback={<LoadingState />}>
                        <CatalogConsole page={p.path} allowed={allowed} />
                      </Suspense>
                    ) : (
                      <Forbidden />
                    )
                  }
                />
              ))}
              <Route
                path="registry"
                element={
                  allowed.has('registry.read') ? (
                    <Suspense fallback={<LoadingState />}>
                      <RegistryPage />
                    </Suspense>
                  ) : (
                    <Forbidden />
                  )
                }
              />
              <Route
                path="registry-discrepancies"
                element={
                  allowed.has('registry.discrepancy') ? (
                    <Suspense fallback={<LoadingState />}>
                      <DiscrepanciesPage />
                    </Suspense>
                  ) : (
                    <Forbidden />
                  )
                }
              />
              {DATA_PAGES.map(({ path, action, Page }) => (
                <Route
                  key={path}
                  path={path}
                  element={
                    allowed.has(action) ? (
                      <Suspense fallback={<LoadingState />}>
                        <Page />
                      </Suspense>
                    ) : (
                      <Forbidden />
                    )
                  }
                />
              ))}
              <Route path="*" element={<Result status="404" title="404" />} />
            </Routes>
          </Layout.Content>
        </Layout>
      </Layout>
    </App>
  );
}
