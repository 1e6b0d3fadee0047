import { Empty, Table } from 'antd';
import { useI18n } from '../i18n';

export interface RowError {
  row: number;
  column: string;
  reason: string;
}

/** The bad rows of an imported file: row, column and reason, 50 to a page. */
export function RowErrorsTable({ errors, testId }: { errors: RowError[]; testId: string }) {
  const { t } = useI18n();
  return (
    <Table<RowError>
      data-testid={testId}
      rowKey={(e) => `${e.row}-${e.column}-${e.reason}`}
      size="small"
      dataSource={errors}
      pagination={{ pageSize: 50, showSizeChanger: false, hideOnSinglePage: true }}
      locale={{ emptyText: <Empty /> }}
      columns={[
        { title: t('catalog.import.row'), dataIndex: 'row', width: 80 },
        { title: t('catalog.import.column'), dataIndex: 'column', width: 180, render: (c: string) => c || '—' },
        { title: t('catalog.import.reason'), dataIndex: 'reason' },
      ]}
    />
  );
}
