import { useQuery } from '@tanstack/react-query';
import { Alert, Button, Card, Form, Input } from 'antd';
import { useEffect, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { api } from '../api/client';
import type { CitizenSignUpBody, User, ValidationResult } from '../api/types';
import { applyServerErrors } from '../components/form-errors';
import { useI18n } from '../i18n';

const FIELDS = ['idNumber', 'name', 'password', 'phone'] as const;

function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/** Checks the identity number with the server as the person types (debounced), returning the reasons it gives. */
function useIdNumberCheck(value: string) {
  const { lang } = useI18n();
  const settled = useDebounced(value.trim().toUpperCase(), 400);
  const query = useQuery({
    queryKey: ['validate', 'citizen-id', settled],
    queryFn: () => api<ValidationResult>('GET', '/api/v1/standards/validate', { query: { type: 'citizen-id', value: settled } }),
    enabled: settled.length >= 15,
    staleTime: Infinity,
  });
  const reasons = query.data?.errors.map((e) => (lang === 'en' ? e.messageEn : e.message)) ?? [];
  return { checking: query.isFetching || settled !== value.trim().toUpperCase(), result: settled.length >= 15 ? query.data : undefined, reasons };
}

/** Citizen sign-up: identity number (checked as you type), name, password, optional phone. */
export default function SignupPage() {
  const { t } = useI18n();
  const [form] = Form.useForm<CitizenSignUpBody>();
  const navigate = useNavigate();
  const idNumber = Form.useWatch('idNumber', form) ?? '';
  const check = useIdNumberCheck(idNumber);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  // A server error on the number (e.g. already registered) outranks the live check until it changes.
  const [serverIdError, setServerIdError] = useState<{ value: string; reason: string }>();
  const idServerReason = serverIdError && serverIdError.value === idNumber ? serverIdError.reason : undefined;

  const idStatus = idServerReason
    ? 'error'
    : check.result
      ? check.result.valid
        ? 'success'
        : 'error'
      : check.checking && idNumber.length >= 15
        ? 'validating'
        : undefined;
  const idHelp = idServerReason
    ? idServerReason
    : check.result
      ? check.result.valid
        ? t('signup.idNumber.valid')
        : check.reasons.join('；')
      : check.checking && idNumber.length >= 15
        ? t('signup.idNumber.checking')
        : undefined;

  const submit = async (values: CitizenSignUpBody) => {
    setBusy(true);
    setError(undefined);
    try {
      const body: CitizenSignUpBody = { idNumber: values.idNumber.trim().toUpperCase(), name: values.name.trim(), password: values.password };
      if (values.phone) body.phone = values.phone.trim();
      await api<User>('POST', '/api/v1/auth/citizens', { body });
      navigate('/login?signedUp=1', { replace: true });
    } catch (e) {
      setError(applyServerErrors(form, e, FIELDS));
      const reason = form.getFieldError('idNumber')[0];
      setServerIdError(reason ? { value: values.idNumber, reason } : undefined);
    } finally {
      setBusy(false);
    }
  };

  const required = (label: string) => [{ required: true, message: t('form.required', { field: label }) }];
  return (
    <Card className="zt-form-card" title={<h1 className="zt-card-title">{t('signup.title')}</h1>}>
      {error && <Alert type="error" role="alert" showIcon title={error} className="zt-gap" />}
      <Form form={form} layout="vertical" onFinish={submit} requiredMark="optional" disabled={busy}>
        <Form.Item
          name="idNumber"
          label={t('signup.idNumber')}
          rules={required(t('signup.idNumber'))}
          hasFeedback={idStatus !== undefined}
          {...(idStatus ? { validateStatus: idStatus } : {})}
          {...(idHelp ? { help: <span aria-live="polite">{idHelp}</span> } : {})}
        >
          <Input autoComplete="off" maxLength={18} />
        </Form.Item>
        <Form.Item name="name" label={t('signup.name')} rules={required(t('signup.name'))}>
          <Input autoComplete="name" maxLength={50} />
        </Form.Item>
        <Form.Item name="password" label={t('signup.password')} rules={required(t('signup.password'))} extra={t('signup.password.help')}>
          <Input.Password autoComplete="new-password" maxLength={128} />
        </Form.Item>
        <Form.Item name="phone" label={t('signup.phone')}>
          <Input autoComplete="tel" inputMode="numeric" maxLength={11} />
        </Form.Item>
        <Button type="primary" htmlType="submit" block size="large" loading={busy}>
          {t('signup.submit')}
        </Button>
      </Form>
      <p className="zt-form-foot">
        {t('signup.haveAccount')} <Link to="/login">{t('login.submit')}</Link>
      </p>
    </Card>
  );
}
