import { Cascader } from 'antd';
import { useEffect, useState } from 'react';
import { call } from '../api/client';
import { useI18n } from '../i18n';

interface DivisionOption {
  value: string;
  label: string;
  isLeaf: boolean;
  children?: DivisionOption[];
}

const toOption = (d: { code: string; name: string; level: string }): DivisionOption => ({ value: d.code, label: d.name, isLeaf: d.level === 'county' });

/**
 * Picks a GB/T 2260 division province → city → county, loading each level from /api/v1/regions
 * when it is opened; `onPick` gets the code of the deepest level chosen (a code can still be typed).
 */
export function DivisionPicker({ onPick, id }: { onPick: (code: string) => void; id?: string }) {
  const { t } = useI18n();
  const [options, setOptions] = useState<DivisionOption[]>([]);
  const [error, setError] = useState(false);
  useEffect(() => {
    let live = true;
    call('get', '/api/v1/regions', {})
      .then((provinces) => live && setOptions(provinces.map(toOption)))
      .catch(() => live && setError(true));
    return () => {
      live = false;
    };
  }, []);
  return (
    <Cascader<DivisionOption>
      id={id}
      aria-label={t('console.division.pick')}
      placeholder={error ? t('console.division.error') : t('console.division.pick')}
      status={error ? 'warning' : undefined}
      options={options}
      changeOnSelect
      style={{ width: '100%' }}
      loadData={async (path) => {
        const target = path[path.length - 1]!;
        const children = await call('get', '/api/v1/regions', { query: { parent: target.value } });
        target.children = children.map(toOption);
        if (children.length === 0) target.isLeaf = true;
        setOptions((o) => [...o]);
      }}
      onChange={(codes) => {
        const last = codes?.[codes.length - 1];
        if (last) onPick(String(last));
      }}
    />
  );
}
