import { Button, Input, Switch } from 'antd';
import { useId } from 'react';
import { Link, NavLink, Outlet, useNavigate } from 'react-router';
import { useA11y } from '../a11y';
import { useSession, useSignOut } from '../api/session';
import { SITE } from '../config';
import { useI18n } from '../i18n';
import type { MessageKey } from '../messages/zh-cn';

export const PORTAL_NAV: { to: string; key: MessageKey }[] = [
  { to: '/services', key: 'nav.services' },
  { to: '/disclosure', key: 'nav.disclosure' },
  { to: '/open-data', key: 'nav.openData' },
  { to: '/interaction', key: 'nav.interaction' },
];

function AccessibilityBar() {
  const { t, lang, setLang } = useI18n();
  const a11y = useA11y();
  const largeId = useId();
  const contrastId = useId();
  const session = useSession();
  const signOut = useSignOut();
  const navigate = useNavigate();
  const signedIn = session.data?.authenticated === true;
  return (
    <div className="zt-toolbar" role="region" aria-label={t('a11y.toolbar')}>
      <div className="zt-container zt-toolbar-inner">
        <span className="zt-toolbar-group">
          <label htmlFor={largeId}>{t('a11y.largeText')}</label>
          <Switch id={largeId} size="small" checked={a11y.largeText} onChange={a11y.setLargeText} />
          <label htmlFor={contrastId}>{t('a11y.highContrast')}</label>
          <Switch id={contrastId} size="small" checked={a11y.highContrast} onChange={a11y.setHighContrast} />
        </span>
        <span className="zt-toolbar-group">
          <Button
            type="link"
            size="small"
            aria-label={`${t('lang.switch')}（${t('lang.label')}）`}
            lang={lang === 'en' ? 'zh-CN' : 'en'}
            onClick={() => setLang(lang === 'en' ? 'zh-CN' : 'en')}
          >
            {t('lang.switch')}
          </Button>
          {signedIn ? (
            <>
              <Link to="/my">{t('nav.my')}</Link>
              <Button
                type="link"
                size="small"
                onClick={async () => {
                  await signOut();
                  navigate('/');
                }}
              >
                {t('nav.logout')}
              </Button>
            </>
          ) : (
            <>
              <Link to="/login">{t('nav.login')}</Link>
              <Link to="/signup">{t('nav.signup')}</Link>
            </>
          )}
        </span>
      </div>
    </div>
  );
}

/** The portal frame: accessibility bar, header with emblem and search, main navigation, footer. */
export function PortalLayout() {
  const { t, lang } = useI18n();
  const navigate = useNavigate();
  const name = lang === 'en' ? SITE.nameEn : SITE.name;
  return (
    <div className="zt-portal">
      <a className="zt-skip" href="#main">
        {t('a11y.skip')}
      </a>
      <AccessibilityBar />
      <header className="zt-header">
        <div className="zt-container zt-header-inner">
          <Link to="/" className="zt-brand">
            <span className="zt-emblem" role="img" aria-label={t('home.emblem')}>
              {SITE.emblemUrl ? <img src={SITE.emblemUrl} alt="" width={56} height={56} /> : null}
            </span>
            <span className="zt-site-name">{name}</span>
          </Link>
          <div role="search" className="zt-search">
            <Input.Search
              aria-label={t('search.label')}
              placeholder={t('search.placeholder')}
              enterButton={t('search.button')}
              size="large"
              allowClear
              onSearch={(q) => q.trim() && navigate(`/search?q=${encodeURIComponent(q.trim())}`)}
            />
          </div>
        </div>
        <nav className="zt-nav" aria-label={t('nav.label')}>
          <ul className="zt-container">
            <li>
              <NavLink to="/" end>
                {t('nav.home')}
              </NavLink>
            </li>
            {PORTAL_NAV.map((n) => (
              <li key={n.to}>
                <NavLink to={n.to}>{t(n.key)}</NavLink>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main id="main" className="zt-main zt-container" tabIndex={-1}>
        <Outlet />
      </main>
      <footer className="zt-footer" aria-label={t('footer.label')}>
        <div className="zt-container">
          <p>
            <span>{t('footer.sponsor', { name })}</span>
            <span>{t('footer.address', { address: SITE.contact.address })}</span>
          </p>
          <p>
            <span>{t('footer.phone', { phone: SITE.contact.phone })}</span>
            <span>
              {t('footer.email', { email: '' })}
              <a href={`mailto:${SITE.contact.email}`}>{SITE.contact.email}</a>
            </span>
          </p>
          <p>
            <span>{t('footer.siteCode', { code: SITE.siteCode })}</span>
            <span>{t('footer.icp', { icp: SITE.icp })}</span>
            <span>{t('footer.police', { police: SITE.policeFiling })}</span>
          </p>
        </div>
      </footer>
    </div>
  );
}
