import { QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { ConfigProvider, theme } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import { useEffect, type ReactNode } from 'react';
import { A11yProvider, useA11y } from './a11y';
import { ApiError, setApiLanguage } from './api/client';
import { SESSION_KEY } from './api/session';
import { I18nProvider, useI18n } from './i18n';

const queryClient: QueryClient = new QueryClient({
  // A 401 anywhere means the session ended: refresh it, and the pages send the person to sign in
  // (the portal redirects to /login?next=…, the console shows its sign-in in place).
  queryCache: new QueryCache({
    onError: (error) => {
      if (error instanceof ApiError && error.needsSignIn) void queryClient.invalidateQueries({ queryKey: SESSION_KEY });
    },
  }),
  defaultOptions: {
    queries: {
      // Client errors (4xx) will not get better by retrying; network and 5xx get one more try.
      retry: (count, error) => count < 1 && !(error instanceof ApiError && error.status >= 400 && error.status < 500),
      refetchOnWindowFocus: false,
    },
  },
});

function ThemedApp({ children }: { children: ReactNode }) {
  const { lang } = useI18n();
  const { largeText, highContrast } = useA11y();
  useEffect(() => {
    setApiLanguage(lang);
    document.documentElement.lang = lang;
  }, [lang]);
  return (
    <ConfigProvider
      locale={lang === 'en' ? enUS : zhCN}
      theme={{
        algorithm: highContrast ? theme.darkAlgorithm : theme.defaultAlgorithm,
        token: {
          colorPrimary: highContrast ? '#ffd400' : '#b3120e',
          colorLink: highContrast ? '#ffd400' : '#0b57d0',
          fontSize: largeText ? 18 : 14,
          // WCAG AA (4.5:1) on white for secondary text, errors and success messages: AntD's
          // defaults (45 % grey, #ff4d4f, #52c41a) fall short.
          ...(highContrast
            ? { colorBgBase: '#000000', colorTextBase: '#ffffff' }
            : {
                colorTextDescription: 'rgba(0, 0, 0, 0.65)',
                colorTextTertiary: 'rgba(0, 0, 0, 0.65)',
                colorError: '#c4161c',
                colorSuccess: '#237804',
                colorWarning: '#8a5300',
              }),
          fontFamily: 'system-ui, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif',
        },
      }}
    >
      {children}
    </ConfigProvider>
  );
}

/** Everything the pages rely on: data cache, i18n, accessibility settings, AntD with the Chinese locale. */
export function Providers({ children }: { children: ReactNode }) {
  return (
    <QueryClientProvider client={queryClient}>
      <I18nProvider>
        <A11yProvider>
          <ThemedApp>{children}</ThemedApp>
        </A11yProvider>
      </I18nProvider>
    </QueryClientProvider>
  );
}
