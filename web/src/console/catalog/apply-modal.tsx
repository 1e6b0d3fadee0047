import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Checkbox, Form, Input, Modal } from 'antd';
import { useEffect, useState } from 'react';
import { call } from '../../api/client';
import { useSession } from '../../api/session';
import { useI18n } from '../../i18n';
import type { Resource } from '../../portal/open-data/catalog-types';
import { useDepartments } from '../departments';
import { showServerErrors } from './server-errors';

interface ApplyValues {
  consumerSubsystem: string;
  purpose: string;
  legalBasis: string;
  items: string[];
  validFrom?: string;
  validUntil?: string;
}
const FIELDS = ['consumerSubsystem', 'purpose', 'legalBasis', 'items', 'validFrom', 'validUntil'] as const;

/** A date input's `YYYY-MM-DD` as the start of that day in China (UTC+8), ISO 8601. */
export const dateToIso = (d: string | undefined) => (d ? new Date(`${d}T00:00:00+08:00`).toISOString() : undefined);

/** `INSTANCE/GOV/<USCC>/` of the signed-in staff member's department: the start of their subsystems' identifiers. */
function useSubsystemPrefix(): string {
  const session = useSession();
  const departments = useDepartments();
  const center = useQuery({ queryKey: ['exchange', 'center'], queryFn: () => call('get', '/api/v1/exchange/center'), staleTime: 600_000 });
  const orgId = session.data?.user?.orgId;
  const uscc = departments.data?.find((d) => d.id === orgId)?.uscc;
  return center.data && uscc ? `${center.data.instance}/GOV/${uscc}/` : '';
}

/**
 * 申请共享: purpose, legal basis, the data items wanted, the consuming subsystem (an exchange
 * identifier of the applicant's department) and the period. Server errors land on their fields.
 */
export function ApplyModal({ resource, open, onClose, onApplied }: { resource: Resource; open: boolean; onClose: () => void; onApplied: () => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<ApplyValues>();
  const queryClient = useQueryClient();
  const prefix = useSubsystemPrefix();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  // The subsystem prefix arrives after the form mounted: fill it in while the field is still empty.
  useEffect(() => {
    if (prefix && !form.getFieldValue('consumerSubsystem')) form.setFieldsValue({ consumerSubsystem: prefix });
  }, [prefix, form]);
  const submit = async (v: ApplyValues) => {
    setBusy(true);
    setError(undefined);
    try {
      const validFrom = dateToIso(v.validFrom);
      const validUntil = dateToIso(v.validUntil);
      const app = await call('post', '/api/v1/catalog/resources/{id}/applications', {
        params: { id: resource.id },
        body: {
          consumerSubsystem: v.consumerSubsystem.trim(),
          purpose: v.purpose.trim(),
          legalBasis: v.legalBasis.trim(),
          items: v.items,
          ...(validFrom ? { validFrom } : {}),
          ...(validUntil ? { validUntil } : {}),
        },
      });
      await queryClient.invalidateQueries({ queryKey: ['catalog', 'applications'] });
      void message.success(t(app.status === 'approved' ? 'catalog.apply.granted' : 'catalog.apply.sent', { due: app.dueAt?.slice(0, 10) ?? '' }));
      form.resetFields();
      onApplied();
    } catch (e) {
      setError(showServerErrors(form, e, FIELDS, (f) => (/^items\.\d+$/.test(f) ? 'items' : f)));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      title={t('catalog.apply.title', { name: resource.name })}
      open={open}
      onCancel={onClose}
      okText={t('catalog.apply.submit')}
      cancelText={t('form.cancel')}
      okButtonProps={{ htmlType: 'submit', loading: busy, form: 'zt-apply-form' }}
      forceRender
      width={640}
    >
      {resource.shareType === 'conditional' && (
        <Alert type="info" showIcon title={t('catalog.apply.conditional', { condition: resource.shareCondition ?? '' })} className="zt-gap" />
      )}
      {error && <Alert type="error" role="alert" showIcon title={error} className="zt-gap" />}
      <Form<ApplyValues>
        id="zt-apply-form"
        form={form}
        layout="vertical"
        onFinish={submit}
        disabled={busy}
        initialValues={{ items: resource.items.map((i) => i.field), consumerSubsystem: prefix }}
      >
        <Form.Item name="items" label={t('catalog.apply.items')}>
          <Checkbox.Group options={resource.items.map((i) => ({ value: i.field, label: `${i.name}（${i.field}）` }))} />
        </Form.Item>
        <Form.Item
          name="purpose"
          label={t('catalog.apply.purpose')}
          rules={[{ required: true, whitespace: true, message: t('form.required', { field: t('catalog.apply.purpose') }) }]}
        >
          <Input maxLength={500} />
        </Form.Item>
        <Form.Item
          name="legalBasis"
          label={t('catalog.apply.legalBasis')}
          rules={[{ required: true, whitespace: true, message: t('form.required', { field: t('catalog.apply.legalBasis') }) }]}
        >
          <Input.TextArea maxLength={2000} rows={2} />
        </Form.Item>
        <Form.Item
          name="consumerSubsystem"
          label={t('catalog.apply.subsystem')}
          extra={t('catalog.apply.subsystemHelp')}
          rules={[{ required: true, whitespace: true, message: t('form.required', { field: t('catalog.apply.subsystem') }) }]}
        >
          <Input maxLength={300} className="zt-mono" autoComplete="off" />
        </Form.Item>
        <Form.Item name="validFrom" label={`${t('catalog.apply.validFrom')}${t('form.optional')}`}>
          <Input type="date" />
        </Form.Item>
        <Form.Item name="validUntil" label={`${t('catalog.apply.validUntil')}${t('form.optional')}`}>
          <Input type="date" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
