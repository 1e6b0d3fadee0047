import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Alert, Button, Card, Descriptions, Empty, Table } from 'antd';
import { Link, Navigate, useLocation } from 'react-router';
import { ApiError, call } from '../../api/client';
import { useSession } from '../../api/session';
import type { ReplyOf } from '../../api/types';
import { ErrorState, LoadingState } from '../../components/states';
import { useI18n, type Lang } from '../../i18n';
import type { MessageKey } from '../../messages/zh-cn';

type Access = ReplyOf<'/api/v1/me/registry-record/accesses', 'get'>['items'][number];
type Definition = ReplyOf<'/api/v1/me/registry-record/definition', 'get'>;
type Notices = ReplyOf<'/api/v1/me/registry-record/change-notices', 'get'>;

const formatTime = (iso: string | null | undefined, lang: Lang) => (iso ? new Date(iso).toLocaleString(lang, { timeZone: 'Asia/Shanghai' }) : '—');

function SignInRedirect() {
  const location = useLocation();
  return <Navigate to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
}

/** The citizen's own population record, labelled and with code values named; "none" when the register holds none. */
function MyRecord() {
  const { t, lang } = useI18n();
  const definition = useQuery({
    queryKey: ['me', 'registry-definition'],
    queryFn: () => call('get', '/api/v1/me/registry-record/definition'),
    staleTime: Infinity,
  });
  // Reading one's own record is itself recorded (purpose 本人查询); read once per visit, not on every focus.
  const record = useQuery({ queryKey: ['me', 'registry-record'], queryFn: () => call('get', '/api/v1/me/registry-record'), staleTime: Infinity });
  const notFound = record.error instanceof ApiError && record.error.code === 'REGISTRY_RECORD_NOT_FOUND';
  const show = (a: Definition['attributes'][number], v: unknown) => {
    if (v === null || v === undefined || v === '') return '—';
    const s = String(v);
    return a.codes?.[s] ? `${a.codes[s]}（${s}）` : s;
  };
  return (
    <Card title={<h2 className="zt-card-title">{t('registry.my.record')}</h2>}>
      {record.isPending || definition.isPending ? (
        <LoadingState />
      ) : notFound ? (
        <Empty description={t('registry.my.noRecord')} />
      ) : record.isError ? (
        <ErrorState error={record.error} onRetry={() => void record.refetch()} />
      ) : definition.isError ? (
        <ErrorState error={definition.error} onRetry={() => void definition.refetch()} />
      ) : (
        <Descriptions bordered size="small" column={{ xs: 1, md: 2 }} data-testid="my-registry-record">
          {definition.data.attributes.map((a) => (
            <Descriptions.Item key={a.name} label={lang === 'en' ? a.label.en : a.label.zh}>
              {show(a, record.data.attributes[a.name])}
            </Descriptions.Item>
          ))}
        </Descriptions>
      )}
    </Card>
  );
}

/** Every read of the citizen's registry records by a department: when, which department, who, how, why. */
function MyAccesses() {
  const { t, lang } = useI18n();
  const accesses = useInfiniteQuery({
    queryKey: ['me', 'registry-accesses'],
    queryFn: ({ pageParam }) => call('get', '/api/v1/me/registry-record/accesses', { query: pageParam ? { beforeSeq: pageParam } : {} }),
    initialPageParam: 0,
    getNextPageParam: (last) => last.nextBeforeSeq ?? undefined,
  });
  const items = accesses.data?.pages.flatMap((p) => p.items) ?? [];
  const actionLabel = (action: string) => {
    const key = `registry.action.${action}` as MessageKey;
    const text = t(key) as string | undefined; // undefined for an action this table does not name
    return text ?? action;
  };
  return (
    <Card title={<h2 className="zt-card-title">{t('registry.my.accesses')}</h2>}>
      <p className="zt-muted">{t('registry.my.accessesNote')}</p>
      {accesses.isError ? (
        <ErrorState error={accesses.error} onRetry={() => void accesses.refetch()} />
      ) : (
        <>
          <Table<Access>
            rowKey="seq"
            size="small"
            loading={accesses.isPending}
            dataSource={items}
            pagination={false}
            data-testid="my-registry-accesses"
            locale={{ emptyText: <Empty description={t('registry.my.noAccesses')} /> }}
            columns={[
              { title: t('registry.my.when'), dataIndex: 'occurredAt', render: (v: string) => formatTime(v, lang) },
              { title: t('registry.my.org'), key: 'org', render: (_: unknown, a) => a.org?.name ?? '—' },
              { title: t('registry.my.who'), dataIndex: 'reader', render: (v: string | null) => v ?? '—' },
              { title: t('registry.my.what'), key: 'registry', render: (_: unknown, a) => (lang === 'en' ? a.registryName.en : a.registryName.zh) },
              { title: t('registry.my.how'), dataIndex: 'action', render: actionLabel },
              { title: t('registry.my.why'), dataIndex: 'purpose', render: (v: string | null) => v ?? '—' },
            ]}
          />
          {accesses.hasNextPage && (
            <Button className="zt-gap" onClick={() => void accesses.fetchNextPage()} loading={accesses.isFetchingNextPage}>
              {t('registry.my.more')}
            </Button>
          )}
        </>
      )}
    </Card>
  );
}

/**
 * Who is told, through the exchange, that the citizen's record changed (change events carry the
 * changed attribute names, never values): the departments authorised to receive them, and per
 * change whether it was published and to whom.
 */
function MyChangeNotices() {
  const { t, lang } = useI18n();
  const notices = useQuery({ queryKey: ['me', 'registry-change-notices'], queryFn: () => call('get', '/api/v1/me/registry-record/change-notices') });
  const definition = useQuery({
    queryKey: ['me', 'registry-definition'],
    queryFn: () => call('get', '/api/v1/me/registry-record/definition'),
    staleTime: Infinity,
  });
  const label = (name: string) => {
    const a = definition.data?.attributes.find((x) => x.name === name);
    return a ? (lang === 'en' ? a.label.en : a.label.zh) : name;
  };
  const day = (iso: string) => new Date(iso).toLocaleDateString(lang, { timeZone: 'Asia/Shanghai' });
  return (
    <Card title={<h2 className="zt-card-title">{t('registry.my.notices')}</h2>}>
      <p className="zt-muted">{t('registry.my.noticesNote')}</p>
      {notices.isError ? (
        <ErrorState error={notices.error} onRetry={() => void notices.refetch()} />
      ) : (
        <>
          <Table<Notices['recipients'][number]>
            rowKey={(r) => `${r.consumer} ${r.validFrom}`}
            size="small"
            loading={notices.isPending}
            dataSource={notices.data?.recipients ?? []}
            pagination={false}
            data-testid="my-change-recipients"
            locale={{ emptyText: <Empty description={t('registry.my.noRecipients')} /> }}
            columns={[
              { title: t('registry.my.org'), key: 'org', render: (_: unknown, r) => r.org.name },
              { title: t('registry.my.why'), dataIndex: 'purpose' },
              {
                title: t('registry.my.validity'),
                key: 'validity',
                render: (_: unknown, r) =>
                  `${day(r.validFrom)} – ${r.validUntil ? day(r.validUntil) : t('registry.my.untilFurther')}` +
                  (r.revokedAt ? ` · ${t('registry.my.revoked', { at: day(r.revokedAt) })}` : ''),
              },
            ]}
          />
          <h3 className="zt-gap">{t('registry.my.changes')}</h3>
          <Table<Notices['changes'][number]>
            rowKey="seq"
            size="small"
            loading={notices.isPending}
            dataSource={notices.data?.changes ?? []}
            pagination={{ pageSize: 10, hideOnSinglePage: true }}
            data-testid="my-change-notices"
            locale={{ emptyText: <Empty description={t('registry.my.noChanges')} /> }}
            columns={[
              { title: t('registry.my.when'), dataIndex: 'occurredAt', render: (v: string) => formatTime(v, lang) },
              { title: t('registry.my.changed'), key: 'attributes', render: (_: unknown, c) => c.attributes.map(label).join('、') },
              {
                title: t('registry.my.notified'),
                key: 'notified',
                render: (_: unknown, c) =>
                  !c.published
                    ? t('registry.my.notPublished')
                    : c.notified.length === 0
                      ? t('registry.my.nobodyNotified')
                      : c.notified.map((n) => `${n.org.name}（${n.purpose}）`).join('；'),
              },
            ]}
          />
        </>
      )}
    </Card>
  );
}

/** 我的数据: the signed-in citizen's registry record and who read it (the GovStack myPersonalDataUsage idea). */
export default function MyDataPage() {
  const { t } = useI18n();
  const session = useSession();
  if (session.isPending) return <LoadingState />;
  if (session.isError) return <ErrorState error={session.error} onRetry={() => void session.refetch()} />;
  if (!session.data.authenticated || !session.data.user) return <SignInRedirect />;
  const citizen = session.data.user.kind === 'citizen';
  return (
    <section aria-labelledby="zt-page-title" className="zt-stack">
      <h1 id="zt-page-title">{t('registry.my.title')}</h1>
      <p>
        <Link to="/my">← {t('nav.my')}</Link>
      </p>
      {citizen ? (
        <>
          <p>{t('registry.my.intro')}</p>
          <MyRecord />
          <MyAccesses />
          <MyChangeNotices />
        </>
      ) : (
        <Alert type="info" showIcon title={t('registry.my.citizensOnly')} />
      )}
    </section>
  );
}
