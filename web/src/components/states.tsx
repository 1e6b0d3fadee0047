import { Alert, Button, Spin } from 'antd';
import { ApiError } from '../api/client';
import { useI18n } from '../i18n';

/** A centred spinner with a text label screen readers announce. */
export function LoadingState() {
  const { t } = useI18n();
  return (
    <div className="zt-state" role="status" aria-live="polite">
      <Spin description={t('state.loading')} />
    </div>
  );
}

/** The server's message (or a generic one) with a retry button. */
export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useI18n();
  const message = error instanceof Error ? error.message : t('state.error');
  return (
    <Alert
      type="error"
      role="alert"
      showIcon
      title={t('state.error')}
      description={error instanceof ApiError && error.requestId ? `${message}（${error.requestId}）` : message}
      action={onRetry ? <Button onClick={onRetry}>{t('state.retry')}</Button> : undefined}
    />
  );
}
