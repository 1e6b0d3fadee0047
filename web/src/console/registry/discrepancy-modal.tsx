import { useQueryClient } from '@tanstack/react-query';
import { Form, Input, Select } from 'antd';
import { call } from '../../api/client';
import { useI18n } from '../../i18n';
import { FormModal } from '../form-modal';
import { label, type Discrepancy, type RegistryAttribute, type RegistryDefinition } from './registry-data';

interface FileValues {
  attribute: string;
  believedValue: string;
  evidence: string;
}

/** A form value as the attribute's type wants it: numbers for decimals, parsed GeoJSON for geometry, '' as null. */
export function typedValue(attr: RegistryAttribute | undefined, raw: string | undefined): string | number | Record<string, unknown> | null {
  const v = (raw ?? '').trim();
  if (v === '') return null;
  if (attr?.type === 'decimal' && /^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  if (attr?.type === 'geometry') {
    try {
      return JSON.parse(v) as Record<string, unknown>;
    } catch {
      return v;
    }
  }
  return v;
}

/** The value input for an attribute: a code list for coded attributes, free text otherwise. */
export function ValueInput({ attr, id, ...rest }: { attr: RegistryAttribute | undefined; id?: string; value?: string; onChange?: (v: string) => void }) {
  const { lang } = useI18n();
  if (attr?.codes)
    return (
      <Select
        id={id}
        showSearch={{ optionFilterProp: 'label' }}
        options={Object.entries(attr.codes).map(([code, name]) => ({ value: code, label: `${code} ${name}` }))}
        {...rest}
      />
    );
  return attr?.type === 'geometry' ? (
    <Input.TextArea id={id} rows={4} placeholder='{"type":"Polygon","coordinates":[…]}' {...rest} onChange={(e) => rest.onChange?.(e.target.value)} />
  ) : (
    <Input id={id} placeholder={attr?.type === 'date' ? 'YYYY-MM-DD' : undefined} lang={lang} {...rest} onChange={(e) => rest.onChange?.(e.target.value)} />
  );
}

/**
 * Files a discrepancy report (异议) against a record's attribute: the value believed correct and
 * the evidence. Attributes the reader's own department is the source of are left out (it
 * corrects those directly); the server's field errors land on the fields.
 */
export function DiscrepancyModal({
  def,
  recordKey,
  myOrgId,
  open,
  onClose,
  onFiled,
}: {
  def: RegistryDefinition;
  recordKey: string;
  myOrgId: string | null;
  open: boolean;
  onClose: () => void;
  onFiled: (d: Discrepancy) => void;
}) {
  const { t, lang } = useI18n();
  const [form] = Form.useForm<FileValues>();
  const queryClient = useQueryClient();
  const attribute = Form.useWatch('attribute', form);
  const attr = def.attributes.find((a) => a.name === attribute);
  const choices = def.attributes.filter((a) => a.type !== 'area' && a.name !== def.keyAttribute);
  return (
    <FormModal<FileValues>
      title={t('registry.discrepancy.file')}
      open={open}
      onClose={onClose}
      form={form}
      fieldNames={['attribute', 'believedValue', 'evidence', 'recordKey']}
      onSubmit={async (v) => {
        const d = await call('post', '/api/v1/registries/{registry}/discrepancies', {
          params: { registry: def.key },
          body: { recordKey, attribute: v.attribute, believedValue: typedValue(attr, v.believedValue), evidence: v.evidence ?? '' },
        });
        await queryClient.invalidateQueries({ queryKey: ['registry-discrepancies'] });
        onFiled(d);
      }}
    >
      <Form.Item name="attribute" label={t('registry.discrepancy.attribute')} required>
        <Select
          options={choices.map((a) => ({
            value: a.name,
            label: `${label(a, a.name, lang)}${a.sourceOrg ? `（${a.sourceOrg.name}）` : ''}`,
            disabled: !!myOrgId && a.sourceOrg?.id === myOrgId,
            title: a.sourceOrg?.id === myOrgId ? t('registry.discrepancy.ownSource') : undefined,
          }))}
          onChange={() => form.setFieldValue('believedValue', undefined)}
        />
      </Form.Item>
      <Form.Item name="believedValue" label={t('registry.discrepancy.believed')}>
        <ValueInput attr={attr} />
      </Form.Item>
      <Form.Item name="evidence" label={t('registry.discrepancy.evidence')} required>
        <Input.TextArea rows={3} maxLength={2000} />
      </Form.Item>
    </FormModal>
  );
}
