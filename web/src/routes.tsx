import { lazy, Suspense } from 'react';
import { Route, Routes } from 'react-router';
import { LoadingState } from './components/states';
import { HomePage } from './portal/home-page';
import { PlaceholderPage } from './portal/placeholder-page';
import { PortalLayout } from './portal/portal-layout';

// Everything past the home page loads on demand, so the home page's JavaScript stays small.
const LoginPage = lazy(() => import('./portal/login-page'));
const SignupPage = lazy(() => import('./portal/signup-page'));
const MyPage = lazy(() => import('./portal/my-page'));
const MyDataPage = lazy(() => import('./portal/my-data/my-data-page'));
const ConsoleApp = lazy(() => import('./console/console-app'));
const OpenDataPage = lazy(() => import('./portal/open-data/open-data-page'));
const OpenResourcePage = lazy(() => import('./portal/open-data/resource-page'));

const fallback = <LoadingState />;

/** The portal at `/` and the console at `/console`, one SPA. */
export function AppRoutes() {
  return (
    <Routes>
      <Route
        path="/console/*"
        element={
          <Suspense fallback={fallback}>
            <ConsoleApp />
          </Suspense>
        }
      />
      <Route element={<PortalLayout />}>
        <Route index element={<HomePage />} />
        <Route path="services" element={<PlaceholderPage titleKey="nav.services" />} />
        <Route path="disclosure" element={<PlaceholderPage titleKey="nav.disclosure" />} />
        <Route path="open-data" element={<Suspense fallback={fallback}>{<OpenDataPage />}</Suspense>} />
        <Route path="open-data/:id" element={<Suspense fallback={fallback}>{<OpenResourcePage />}</Suspense>} />
        <Route path="interaction" element={<PlaceholderPage titleKey="nav.interaction" />} />
        <Route path="search" element={<PlaceholderPage titleKey="search.label" />} />
        <Route path="login" element={<Suspense fallback={fallback}>{<LoginPage />}</Suspense>} />
        <Route path="signup" element={<Suspense fallback={fallback}>{<SignupPage />}</Suspense>} />
        <Route path="my" element={<Suspense fallback={fallback}>{<MyPage />}</Suspense>} />
        <Route path="my/data" element={<Suspense fallback={fallback}>{<MyDataPage />}</Suspense>} />
        <Route path="*" element={<PlaceholderPage titleKey="placeholder.title" />} />
      </Route>
    </Routes>
  );
}
