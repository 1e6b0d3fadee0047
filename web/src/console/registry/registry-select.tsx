import { Empty, Select } from 'antd';
import { useState, type ReactNode } from 'react';
import { ErrorState, LoadingState } from '../../components/states';
import { useI18n } from '../../i18n';
import { useRegistries, type RegistryDefinition } from './registry-data';

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

/** A registry page: its title, the registry chooser (the first registry at first), and `children` for the chosen one; loading and error states while the definitions load. */
export function RegistryPageShell({ title, children }: { title: string; children: (def: RegistryDefinition) => ReactNode }) {
  const registries = useRegistries();
  const [registry, setRegistry] = useState<string>();
  if (registries.isPending) return <LoadingState />;
  if (registries.isError) return <ErrorState error={registries.error} onRetry={() => void registries.refetch()} />;
  const defs = registries.data.items;
  const def = defs.find((d) => d.key === registry) ?? defs[0];
  return (
    <section aria-labelledby="zt-page-title" className="zt-stack">
      <h1 id="zt-page-title">{title}</h1>
      {!def ? (
        <Empty />
      ) : (
        <>
          <RegistrySelect defs={defs} value={def.key} onChange={setRegistry} />
          {children(def)}
        </>
      )}
    </section>
  );
}
