import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { en } from './messages/en';
import { zhCN, type MessageKey } from './messages/zh-cn';

export type Lang = 'zh-CN' | 'en';
const MESSAGES: Record<Lang, Record<MessageKey, string>> = { 'zh-CN': zhCN, en };
const STORAGE_KEY = 'zt.lang';

interface I18n {
  lang: Lang;
  setLang(lang: Lang): void;
  /** The message for `key` in the current language, with `{name}` placeholders filled from `vars`. */
  t(key: MessageKey, vars?: Record<string, string | number>): string;
}

const I18nContext = createContext<I18n | null>(null);

function initialLang(): Lang {
  return localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'zh-CN';
}

/** A deliberately tiny i18n: two message tables, Chinese first; the chosen language persists in localStorage. */
export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const setLang = useCallback((next: Lang) => {
    localStorage.setItem(STORAGE_KEY, next);
    document.documentElement.lang = next;
    setLangState(next);
  }, []);
  const value = useMemo<I18n>(
    () => ({
      lang,
      setLang,
      t: (key, vars) => {
        const text = MESSAGES[lang][key] ?? zhCN[key];
        return vars ? text.replace(/\{(\w+)\}/g, (m, name: string) => String(vars[name] ?? m)) : text;
      },
    }),
    [lang, setLang],
  );
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const ctx = useContext(I18nContext);
  if (!ctx) throw new Error('useI18n outside I18nProvider');
  return ctx;
}

/** The current language, for code outside React (the API client's Accept-Language). */
export function currentLang(): Lang {
  return initialLang();
}
