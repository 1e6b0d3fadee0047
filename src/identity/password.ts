import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { promisify } from 'node:util';
import { AppError } from '../core/errors.js';

const scrypt = promisify(scryptCb) as (password: string, salt: Buffer, keylen: number, options: ScryptOptions) => Promise<Buffer>;

/**
 * Hashes a password with scrypt (N = cost, r = 8, p = 1, 32-byte key) into a self-describing
 * string `scrypt$N$r$p$salt$hash`, so the cost can rise later without breaking old hashes.
 *
 * @example const stored = await hashPassword('Zt@demo2026', 1 << 15);
 */
export async function hashPassword(password: string, cost: number): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password.normalize('NFKC'), salt, 32, { N: cost, r: 8, p: 1, maxmem: 256 * cost * 8 + 1024 * 1024 });
  return `scrypt$${cost}$8$1$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** True when `password` matches `stored`; constant-time comparison. A malformed hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  const salt = Buffer.from(parts[4] ?? '', 'base64');
  const expected = Buffer.from(parts[5] ?? '', 'base64');
  const key = await scrypt(password.normalize('NFKC'), salt, expected.length, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/**
 * The password rule (等保 2.0 complexity): 8–128 characters, at least three of upper case,
 * lower case, digits and symbols, and not containing the account name.
 *
 * @throws AppError AUTH_WEAK_PASSWORD naming the field and what is missing.
 */
export function checkPasswordStrength(password: string, accountName = '', field = 'password'): void {
  const problems: string[] = [];
  if (password.length < 8) problems.push('至少 8 个字符 (at least 8 characters)');
  if (password.length > 128) problems.push('至多 128 个字符 (at most 128 characters)');
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(password)).length;
  if (classes < 3) problems.push('需包含大写字母、小写字母、数字、符号中的至少三类 (three of: upper, lower, digit, symbol)');
  if (accountName.length >= 3 && password.toLowerCase().includes(accountName.toLowerCase()))
    problems.push('不得包含账号名 (must not contain the account name)');
  if (problems.length > 0) {
    throw new AppError('AUTH_WEAK_PASSWORD', `密码强度不足：${problems.join('；')}`, { fields: problems.map((reason) => ({ field, reason })) });
  }
}
