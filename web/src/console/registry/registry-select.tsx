import { Select } from 'antd';
import { useI18n } from '../../i18n';
import type { RegistryDefinition } from './registry-data';

/** Chooses one of the registries (人口、法人单位、自然资源和空间地理). */
export function RegistrySelect({ defs, value, onChange }: { defs: RegistryDefinition[]; value: string; onChange: (key: string) => void }) {
  const { t, lang } = useI18n();
  return (
    <span>
      <span aria-hidden="true">{t('registry.browser.registry')} </span>
      <Select
        aria-label={t('registry.browser.registry')}
        style={{ width: 260 }}
        value={value}
        onChange={onChange}
        options={defs.map((d) => ({ value: d.key, label: lang === 'en' ? d.name.en : d.name.zh }))}
      />
    </span>
  );
}
