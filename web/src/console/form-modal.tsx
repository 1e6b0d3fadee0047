import { Alert, Form, Modal, type FormInstance } from 'antd';
import { useId, useState, type ReactNode } from 'react';
import { applyServerErrors } from '../components/form-errors';
import { useI18n } from '../i18n';

/**
 * A modal form that submits to the server: while it runs the form is disabled; a rejection puts
 * the server's field errors on the fields (`fieldNames`) and any other message above the form.
 */
export function FormModal<T extends object>({
  title,
  open,
  onClose,
  form,
  fieldNames,
  onSubmit,
  children,
  initialValues,
}: {
  title: string;
  open: boolean;
  onClose: () => void;
  form: FormInstance<T>;
  fieldNames: readonly string[];
  onSubmit: (values: T) => Promise<void>;
  children: ReactNode;
  initialValues?: Partial<T>;
}) {
  const { t } = useI18n();
  // Several FormModals can be mounted at once (forceRender): each Save button names its own form.
  const formId = `zt-modal-form-${useId().replace(/:/g, '')}`;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const submit = async (values: T) => {
    setBusy(true);
    setError(undefined);
    try {
      await onSubmit(values);
      form.resetFields();
      onClose();
    } catch (e) {
      setError(applyServerErrors(form, e, fieldNames));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      title={title}
      open={open}
      onCancel={() => {
        setError(undefined);
        onClose();
      }}
      okText={t('form.save')}
      cancelText={t('form.cancel')}
      okButtonProps={{ htmlType: 'submit', loading: busy, form: formId }}
      forceRender
    >
      {error && <Alert type="error" role="alert" showIcon title={error} className="zt-gap" />}
      {/* `name` prefixes the fields' element ids, so two mounted forms with the same field never share an id (a label would point into the hidden one). */}
      <Form<T> id={formId} name={formId} form={form} layout="vertical" onFinish={submit} disabled={busy} initialValues={initialValues}>
        {children}
      </Form>
    </Modal>
  );
}
