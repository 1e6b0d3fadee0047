import { Button, Space } from 'antd';
import { useI18n } from '../../i18n';

/** 导出 XLSX / CSV of the department's own catalogue (`mine`) or the sharing catalog (plain links: the session cookie goes along). */
export function CatalogExportButtons({ scope = 'mine' }: { scope?: 'mine' | 'sharing' }) {
  const { t } = useI18n();
  return (
    <Space>
      {(['xlsx', 'csv'] as const).map((kind) => (
        <Button key={kind} href={`/api/v1/catalog/export.${kind}?scope=${scope}`} download={`catalog-${scope}.${kind}`}>
          {t('catalog.export.button', { kind: kind.toUpperCase() })}
        </Button>
      ))}
    </Space>
  );
}
