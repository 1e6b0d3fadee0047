import { Alert, Form, Input, Modal } from 'antd';
import { useId, useState } from 'react';
import { useI18n } from '../../i18n';
import { showServerErrors } from './server-errors';

/**
 * Asks for the reasons of a step that needs them (return, take offline, withdraw, refuse) and runs
 * `onSubmit`; the server's error on `reason` shows on the field, anything else above it.
 */
export function ReasonModal({
  title,
  label,
  okText,
  open,
  onClose,
  onSubmit,
}: {
  title: string;
  label: string;
  okText: string;
  open: boolean;
  onClose: () => void;
  onSubmit: (reason: string) => Promise<void>;
}) {
  const { t } = useI18n();
  const [form] = Form.useForm<{ reason: string }>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const formId = useId();
  return (
    <Modal
      title={title}
      open={open}
      onCancel={() => {
        setError(undefined);
        onClose();
      }}
      okText={okText}
      cancelText={t('form.cancel')}
      okButtonProps={{ htmlType: 'submit', loading: busy, form: formId, danger: true }}
      forceRender
    >
      {error && <Alert type="error" role="alert" showIcon title={error} className="zt-gap" />}
      <Form
        id={formId}
        form={form}
        layout="vertical"
        disabled={busy}
        onFinish={async ({ reason }: { reason: string }) => {
          setBusy(true);
          setError(undefined);
          try {
            await onSubmit(reason.trim());
            form.resetFields();
            onClose();
          } catch (e) {
            setError(showServerErrors(form, e, ['reason']));
          } finally {
            setBusy(false);
          }
        }}
      >
        <Form.Item name="reason" label={label} rules={[{ required: true, whitespace: true, message: t('form.required', { field: label }) }]}>
          <Input.TextArea rows={3} maxLength={2000} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
