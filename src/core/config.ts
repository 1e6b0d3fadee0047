import path from 'node:path';
import { validationError, type FieldIssue } from './errors.js';

/** The platform's settings, parsed and checked once at start-up. Nothing else reads `process.env`. */
export interface Config {
  /** TCP port of the HTTP listener. */
  port: number;
  /** Address to listen on; loopback by default. */
  host: string;
  /** Folder for SQLite files, keys and other state. */
  dataDir: string;
  /** Database URL: a file path or `sqlite:` URL (SQLite), or `postgres://…` (PostgreSQL). */
  dbUrl: string;
  /** Folder holding the platform's key files (signing key, data-encryption key). */
  keyDir: string;
  /** The platform's crypto suite: `ed25519` (Ed25519 + SHA-256) or `sm2` (SM2 + SM3 + SM4). */
  cryptoSuite: 'ed25519' | 'sm2';
  /** Pino log level. */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Largest accepted request body in bytes. */
  bodyLimit: number;
  /** Sign the audit chain head at this interval (milliseconds); 0 disables the timer. */
  checkpointIntervalMs: number;
  /** scrypt cost parameter N (a power of two). Lower only in tests. */
  passwordCost: number;
  /** Set the `Secure` flag on session cookies (behind HTTPS). */
  secureCookies: boolean;
  /** Requests per minute per client address on authentication routes (sign-in, sign-up, TOTP). */
  authRateLimit: number;
  /** The exchange instance (the first part of every X-Road identifier), e.g. `CN-DEMO`. */
  exchangeInstance: string;
  /** How long a signed global configuration stays valid for the nodes (milliseconds). */
  globalConfValidityMs: number;
  /** Keep an in-memory catalog search index (SQLite only; `ZT_CATALOG_SEARCH_INDEX=off` turns it off). */
  catalogSearchIndex: boolean;
}

type Env = Record<string, string | undefined>;

/**
 * Parses the environment into a Config, naming every bad variable and why.
 *
 * @example const config = loadConfig(process.env);
 * @throws AppError VALIDATION_FAILED listing each bad variable.
 */
export function loadConfig(env: Env = process.env, overrides: Partial<Config> = {}): Config {
  const issues: FieldIssue[] = [];
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      issues.push({ field: name, reason: `应为 ${min}–${max} 之间的整数 (must be an integer in ${min}–${max}), 实际 "${raw}"` });
      return fallback;
    }
    return n;
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      issues.push({ field: name, reason: `应为 ${allowed.join(' / ')} 之一 (must be one of them), 实际 "${raw}"` });
      return fallback;
    }
    return raw as T;
  };

  const dataDir = path.resolve(env.ZT_DATA_DIR || './data');
  const passwordCost = int('ZT_PASSWORD_COST', 1 << 15, 1 << 10, 1 << 20);
  if ((passwordCost & (passwordCost - 1)) !== 0) {
    issues.push({ field: 'ZT_PASSWORD_COST', reason: '应为 2 的幂 (must be a power of two)' });
  }
  const config: Config = {
    port: int('PORT', 8080, 0, 65535),
    host: env.HOST || '127.0.0.1',
    dataDir,
    dbUrl: env.ZT_DB_URL || path.join(dataDir, 'platform.db'),
    keyDir: path.resolve(env.ZT_KEY_DIR || path.join(dataDir, 'keys')),
    cryptoSuite: oneOf('ZT_CRYPTO_SUITE', ['ed25519', 'sm2'] as const, 'ed25519'),
    logLevel: oneOf('ZT_LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    bodyLimit: int('ZT_BODY_LIMIT', 1024 * 1024, 1024, 1024 * 1024 * 1024),
    checkpointIntervalMs: int('ZT_CHECKPOINT_INTERVAL_MS', 5 * 60 * 1000, 0, 24 * 3600 * 1000),
    passwordCost,
    secureCookies: oneOf('ZT_SECURE_COOKIES', ['true', 'false'] as const, 'false') === 'true',
    authRateLimit: int('ZT_AUTH_RATE_LIMIT', 20, 1, 1_000_000),
    exchangeInstance: env.ZT_EXCHANGE_INSTANCE || 'CN-DEMO',
    globalConfValidityMs: int('ZT_GLOBALCONF_VALIDITY_MS', 24 * 3600 * 1000, 60_000, 30 * 24 * 3600 * 1000),
    catalogSearchIndex: oneOf('ZT_CATALOG_SEARCH_INDEX', ['on', 'off'] as const, 'on') === 'on',
    ...overrides,
  };
  if (issues.length > 0) throw validationError(issues, `配置不合法 (invalid configuration): ${issues.map((i) => i.field).join(', ')}`);
  return config;
}
