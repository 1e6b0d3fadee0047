import { Button, Empty } from 'antd';
import { useNavigate } from 'react-router';
import { useI18n } from '../i18n';
import type { MessageKey } from '../messages/zh-cn';

/** A section that later modules fill: its title and an empty state saying it is being built. */
export function PlaceholderPage({ titleKey }: { titleKey: MessageKey }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  return (
    <section aria-labelledby="zt-page-title">
      <h1 id="zt-page-title">{t(titleKey)}</h1>
      <Empty description={`${t('placeholder.title')} — ${t('placeholder.desc')}`}>
        <Button type="primary" onClick={() => navigate('/')}>
          {t('placeholder.back')}
        </Button>
      </Empty>
    </section>
  );
}
