import { Link } from 'react-router';
import { SITE } from '../config';
import { useI18n } from '../i18n';
import type { MessageKey } from '../messages/zh-cn';
import { PORTAL_NAV } from './portal-layout';

const DESCRIPTIONS: Record<string, MessageKey> = {
  '/services': 'home.services.desc',
  '/disclosure': 'home.disclosure.desc',
  '/open-data': 'home.openData.desc',
  '/interaction': 'home.interaction.desc',
};

/** The portal's front page: a welcome and the four main sections. */
export function HomePage() {
  const { t, lang } = useI18n();
  return (
    <>
      <section className="zt-hero" aria-labelledby="zt-welcome">
        <h1 id="zt-welcome">{t('home.welcome', { name: lang === 'en' ? SITE.nameEn : SITE.name })}</h1>
        <p>{t('home.intro')}</p>
      </section>
      <ul className="zt-tiles">
        {PORTAL_NAV.map((n) => (
          <li key={n.to}>
            <Link to={n.to} className="zt-tile">
              <h2>{t(n.key)}</h2>
              <p>{t(DESCRIPTIONS[n.to] ?? 'placeholder.desc')}</p>
            </Link>
          </li>
        ))}
      </ul>
    </>
  );
}
