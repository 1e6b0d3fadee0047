import { useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Card, Form, Input, Segmented } from 'antd';
import { useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { SESSION_KEY, signIn } from '../api/session';
import { applyServerErrors, safeNext } from '../components/form-errors';
import { useI18n } from '../i18n';

interface Values {
  username: string;
  password: string;
  uscc?: string;
}
const FIELDS = ['username', 'password', 'uscc'] as const;
type Mode = 'citizen' | 'agent';

/**
 * Sign-in for citizens (identity number and password) and enterprise agents (account, password and
 * the USCC of the enterprise they act for); session cookie; returns to `?next=` afterwards.
 */
export default function LoginPage() {
  const { t } = useI18n();
  const [form] = Form.useForm<Values>();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const justSignedUp = params.get('signedUp') === '1';
  const [mode, setMode] = useState<Mode>(params.get('as') === 'agent' ? 'agent' : 'citizen');

  const submit = async (values: Values) => {
    setBusy(true);
    setError(undefined);
    try {
      await signIn(
        mode === 'agent'
          ? { username: values.username.trim(), password: values.password, uscc: (values.uscc ?? '').trim().toUpperCase() }
          : { username: values.username.trim().toUpperCase(), password: values.password },
      );
      await queryClient.invalidateQueries({ queryKey: SESSION_KEY });
      navigate(safeNext(params.get('next'), '/my'), { replace: true });
    } catch (e) {
      setError(applyServerErrors(form, e, FIELDS));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card className="zt-form-card" title={<h1 className="zt-card-title">{t(mode === 'agent' ? 'login.asAgent' : 'login.title')}</h1>}>
      {justSignedUp && <Alert type="success" showIcon title={t('signup.done')} className="zt-gap" />}
      {error && <Alert type="error" role="alert" showIcon title={error} className="zt-gap" />}
      <Segmented<Mode>
        block
        className="zt-gap"
        value={mode}
        onChange={(m) => {
          setMode(m);
          setError(undefined);
          form.resetFields();
        }}
        options={[
          { value: 'citizen', label: t('login.asCitizen') },
          { value: 'agent', label: t('login.asAgent') },
        ]}
      />
      <Form form={form} layout="vertical" onFinish={submit} requiredMark="optional" disabled={busy}>
        {mode === 'agent' && (
          <Form.Item
            name="uscc"
            label={t('login.agent.uscc')}
            rules={[
              { required: true, message: t('form.required', { field: t('login.agent.uscc') }) },
              { len: 18, message: '18 位 / 18 characters' },
            ]}
          >
            <Input autoComplete="organization" maxLength={18} className="zt-mono" />
          </Form.Item>
        )}
        <Form.Item
          name="username"
          label={t(mode === 'agent' ? 'login.agent.username' : 'login.username')}
          rules={[{ required: true, message: t('form.required', { field: t(mode === 'agent' ? 'login.agent.username' : 'login.username') }) }]}
        >
          <Input autoComplete="username" inputMode="text" maxLength={mode === 'agent' ? 32 : 18} />
        </Form.Item>
        <Form.Item name="password" label={t('login.password')} rules={[{ required: true, message: t('form.required', { field: t('login.password') }) }]}>
          <Input.Password autoComplete="current-password" />
        </Form.Item>
        <Button type="primary" htmlType="submit" block size="large" loading={busy}>
          {t('login.submit')}
        </Button>
      </Form>
      <p className="zt-form-foot">
        {t('login.noAccount')} <Link to="/signup">{t('login.toSignup')}</Link>
      </p>
    </Card>
  );
}
