import { useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Card, Form, Image, Input, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { api } from '../api/client';
import { SESSION_KEY, signIn } from '../api/session';
import type { MfaState, TotpEnrolment } from '../api/types';
import { applyServerErrors } from '../components/form-errors';
import { ErrorState, LoadingState } from '../components/states';
import { useI18n } from '../i18n';

const CODE_RULE = { pattern: /^\d{6}$/, message: '6 位数字 / 6 digits' };

/** The second step: enrol (QR code, then a code) or enter a code; refreshes the session when done. */
function TotpStep({ mode }: { mode: 'enroll' | 'verify' }) {
  const { t } = useI18n();
  const [form] = Form.useForm<{ code: string }>();
  const queryClient = useQueryClient();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [enrolment, setEnrolment] = useState<TotpEnrolment>();
  const [enrolError, setEnrolError] = useState<unknown>();

  useEffect(() => {
    if (mode !== 'enroll') return;
    let live = true;
    api<TotpEnrolment>('POST', '/api/v1/auth/totp/enroll').then(
      (e) => live && setEnrolment(e),
      (e: unknown) => live && setEnrolError(e),
    );
    return () => {
      live = false;
    };
  }, [mode]);

  const submit = async ({ code }: { code: string }) => {
    setBusy(true);
    setError(undefined);
    try {
      await api<{ mfa: MfaState }>('POST', mode === 'enroll' ? '/api/v1/auth/totp/activate' : '/api/v1/auth/totp/verify', { body: { code } });
      await queryClient.invalidateQueries({ queryKey: SESSION_KEY });
    } catch (e) {
      setError(applyServerErrors(form, e, ['code']));
    } finally {
      setBusy(false);
    }
  };

  if (mode === 'enroll' && enrolError) return <ErrorState error={enrolError} />;
  if (mode === 'enroll' && !enrolment) return <LoadingState />;
  return (
    <>
      <h2 className="zt-card-title">{t(mode === 'enroll' ? 'console.totp.enrollTitle' : 'console.totp.verifyTitle')}</h2>
      {enrolment && (
        <div className="zt-qr">
          <p>{t('console.totp.enrollHelp')}</p>
          <Image src={enrolment.qrDataUrl} alt="TOTP QR code" width={200} height={200} preview={false} />
          <p>
            {t('console.totp.secret')}{' '}
            <Typography.Text code copyable>
              {enrolment.secret}
            </Typography.Text>
          </p>
        </div>
      )}
      {error && <Alert type="error" role="alert" showIcon title={error} className="zt-gap" />}
      <Form form={form} layout="vertical" onFinish={submit} disabled={busy}>
        <Form.Item
          name="code"
          label={t('console.totp.code')}
          rules={[{ required: true, message: t('form.required', { field: t('console.totp.code') }) }, CODE_RULE]}
        >
          <Input autoComplete="one-time-code" inputMode="numeric" maxLength={6} autoFocus />
        </Form.Item>
        <Button type="primary" htmlType="submit" block loading={busy}>
          {t('console.totp.submit')}
        </Button>
      </Form>
    </>
  );
}

/** Staff sign-in: account and password, then the TOTP step the server asks for. */
export function ConsoleLogin({ mfa }: { mfa: MfaState | undefined }) {
  const { t } = useI18n();
  const [form] = Form.useForm<{ username: string; password: string }>();
  const queryClient = useQueryClient();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const submit = async (values: { username: string; password: string }) => {
    setBusy(true);
    setError(undefined);
    try {
      await signIn({ username: values.username.trim(), password: values.password });
      await queryClient.invalidateQueries({ queryKey: SESSION_KEY });
    } catch (e) {
      setError(applyServerErrors(form, e, ['username', 'password']));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="zt-console-login" id="main">
      <Card className="zt-form-card" title={<h1 className="zt-card-title">{t('console.login.title')}</h1>}>
        {mfa === 'enroll' || mfa === 'verify' ? (
          <TotpStep mode={mfa} />
        ) : (
          <>
            {error && <Alert type="error" role="alert" showIcon title={error} className="zt-gap" />}
            <Form form={form} layout="vertical" onFinish={submit} disabled={busy}>
              <Form.Item
                name="username"
                label={t('console.login.username')}
                rules={[{ required: true, message: t('form.required', { field: t('console.login.username') }) }]}
              >
                <Input autoComplete="username" />
              </Form.Item>
              <Form.Item
                name="password"
                label={t('console.login.password')}
                rules={[{ required: true, message: t('form.required', { field: t('console.login.password') }) }]}
              >
                <Input.Password autoComplete="current-password" />
              </Form.Item>
              <Button type="primary" htmlType="submit" block size="large" loading={busy}>
                {t('console.login.submit')}
              </Button>
            </Form>
          </>
        )}
      </Card>
    </main>
  );
}
