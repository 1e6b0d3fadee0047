import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';

/** The 适老化/无障碍 settings a visitor chose; both persist in localStorage. */
export interface A11yPrefs {
  largeText: boolean;
  highContrast: boolean;
  setLargeText(on: boolean): void;
  setHighContrast(on: boolean): void;
}

const A11yContext = createContext<A11yPrefs | null>(null);

function usePersistentFlag(key: string): [boolean, (on: boolean) => void] {
  const [on, setOn] = useState(() => localStorage.getItem(key) === '1');
  return [
    on,
    (next: boolean) => {
      localStorage.setItem(key, next ? '1' : '0');
      setOn(next);
    },
  ];
}

/** Provides the settings and mirrors them as classes on <html> (`zt-large-text`, `zt-high-contrast`) for the CSS. */
export function A11yProvider({ children }: { children: ReactNode }) {
  const [largeText, setLargeText] = usePersistentFlag('zt.a11y.largeText');
  const [highContrast, setHighContrast] = usePersistentFlag('zt.a11y.highContrast');
  useEffect(() => {
    document.documentElement.classList.toggle('zt-large-text', largeText);
    document.documentElement.classList.toggle('zt-high-contrast', highContrast);
  }, [largeText, highContrast]);
  const value = useMemo(() => ({ largeText, highContrast, setLargeText, setHighContrast }), [largeText, highContrast, setLargeText, setHighContrast]);
  return <A11yContext.Provider value={value}>{children}</A11yContext.Provider>;
}

export function useA11y(): A11yPrefs {
  const ctx = useContext(A11yContext);
  if (!ctx) throw new Error('useA11y outside A11yProvider');
  return ctx;
}
