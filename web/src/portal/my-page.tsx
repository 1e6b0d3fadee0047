import { useQuery } from '@tanstack/react-query';
import { Card, Descriptions, Empty, Table } from 'antd';
import { Link, Navigate, useLocation } from 'react-router';
import { api, ApiError } from '../api/client';
import { useSession } from '../api/session';
import type { DataAccessRecord } from '../api/types';
import { ErrorState, LoadingState } from '../components/states';
import { useI18n } from '../i18n';

function formatTime(iso: string | null | undefined, lang: string): string {
  return iso ? new Date(iso).toLocaleString(lang, { timeZone: 'Asia/Shanghai' }) : '—';
}

/** Redirects to /login, remembering where to come back to. */
function SignInRedirect() {
  const location = useLocation();
  return <Navigate to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
}

/** 我的空间: who is signed in and who accessed their personal data. Later modules add their cards here. */
export default function MyPage() {
  const { t, lang } = useI18n();
  const session = useSession();
  const citizen = session.data?.authenticated === true && session.data.user?.kind === 'citizen';
  const access = useQuery({
    queryKey: ['me', 'data-access'],
    queryFn: () => api<{ items: DataAccessRecord[] }>('GET', '/api/v1/me/data-access', { query: { limit: 50 } }),
    enabled: citizen,
  });

  if (session.isPending) return <LoadingState />;
  if (session.isError) return <ErrorState error={session.error} onRetry={() => void session.refetch()} />;
  if (!session.data.authenticated || !session.data.user) return <SignInRedirect />;
  if (access.error instanceof ApiError && access.error.needsSignIn) return <SignInRedirect />;
  const user = session.data.user;

  return (
    <section aria-labelledby="zt-page-title" className="zt-stack">
      <h1 id="zt-page-title">{t('my.title')}</h1>
      <Card title={<h2 className="zt-card-title">{t('my.profile')}</h2>}>
        <Descriptions column={1}>
          <Descriptions.Item label={t('my.name')}>{user.displayName}</Descriptions.Item>
          <Descriptions.Item label={t('my.idNumber')}>{user.idNumber ?? user.username}</Descriptions.Item>
          <Descriptions.Item label={t('my.lastLogin')}>{formatTime(user.lastLoginAt, lang)}</Descriptions.Item>
        </Descriptions>
        {citizen && (
          <p>
            <Link to="/my/data">{t('registry.my.link')}</Link>
          </p>
        )}
      </Card>
      {citizen && (
        <Card title={<h2 className="zt-card-title">{t('my.dataAccess')}</h2>}>
          {access.isError ? (
            <ErrorState error={access.error} onRetry={() => void access.refetch()} />
          ) : (
            <Table<DataAccessRecord>
              rowKey="seq"
              loading={access.isPending}
              dataSource={access.data?.items ?? []}
              pagination={false}
              locale={{ emptyText: <Empty description={t('my.dataAccess.empty')} /> }}
              columns={[
                { title: t('my.dataAccess.when'), dataIndex: 'occurredAt', render: (v: string) => formatTime(v, lang) },
                { title: t('my.dataAccess.who'), dataIndex: 'accessor', render: (v: string | null) => v ?? '—' },
                { title: t('my.dataAccess.action'), dataIndex: 'action' },
                { title: t('my.dataAccess.purpose'), dataIndex: 'purpose', render: (v: string | null) => v ?? '—' },
              ]}
            />
          )}
        </Card>
      )}
    </section>
  );
}
