import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, setCsrfToken } from './client';
import type { LoginBody, LoginReply, SessionInfo } from './types';

export const SESSION_KEY = ['session'] as const;

/** Reads GET /api/v1/auth/session and remembers its CSRF token for later unsafe calls. */
export async function fetchSession(): Promise<SessionInfo> {
  const s = await api<SessionInfo>('GET', '/api/v1/auth/session');
  setCsrfToken(s.csrfToken);
  return s;
}

/** The current session (anonymous when nobody is signed in). */
export function useSession() {
  return useQuery({ queryKey: SESSION_KEY, queryFn: fetchSession, staleTime: 30_000 });
}

/** Signs in with a session cookie and remembers the CSRF token. */
export async function signIn(body: Omit<LoginBody, 'mode'>): Promise<LoginReply> {
  const reply = await api<LoginReply>('POST', '/api/v1/auth/login', { body: { ...body, mode: 'cookie' } });
  setCsrfToken(reply.csrfToken);
  return reply;
}

/** Sign-out that also clears every cached query. */
export function useSignOut() {
  const client = useQueryClient();
  return async () => {
    await api('POST', '/api/v1/auth/logout').catch(() => undefined);
    setCsrfToken(undefined);
    client.clear();
    await client.invalidateQueries({ queryKey: SESSION_KEY });
  };
}
