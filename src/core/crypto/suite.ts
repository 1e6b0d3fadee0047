import { AppError } from '../errors.js';
import { ed25519Suite } from './ed25519-suite.js';
import { sm2Suite } from './sm2-suite.js';
import type { CryptoSuite, SuiteName } from './types.js';

const SUITES: Readonly<Record<SuiteName, CryptoSuite>> = { ed25519: ed25519Suite, sm2: sm2Suite };

/** The names `getSuite` accepts, e.g. for a configuration schema. */
export const SUITE_NAMES: readonly SuiteName[] = Object.freeze(['ed25519', 'sm2']);

/**
 * True if `name` is a suite name.
 *
 * @example isSuiteName(config.cryptoSuite) // narrows to SuiteName
 */
export function isSuiteName(name: unknown): name is SuiteName {
  return typeof name === 'string' && (SUITE_NAMES as readonly string[]).includes(name);
}

/**
 * The suite called `name` (exact, lower case); throws CRYPTO_UNKNOWN_SUITE for anything else.
 *
 * @example const suite = getSuite('sm2'); suite.hash('abc').toString('hex') // '66c7f0f4…'
 */
export function getSuite(name: string): CryptoSuite {
  if (!isSuiteName(name)) {
    throw new AppError('CRYPTO_UNKNOWN_SUITE', `未知的密码套件 "${name}"（可选：${SUITE_NAMES.join('、')}）`, {
      suite: name,
      known: SUITE_NAMES,
    });
  }
  return SUITES[name];
}
