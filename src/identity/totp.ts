import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';

/** RFC 6238 parameters: SHA-1, 6 digits, 30-second steps (what every authenticator app supports). */
const PERIOD = 30;

export interface TotpEnrolment {
  secretBase32: string;
  otpauthUri: string;
  qrDataUrl: string;
}

/** A new random TOTP secret with its otpauth:// URI and a QR code (PNG data URL) for authenticator apps. */
export async function createTotpEnrolment(accountName: string, issuer = 'zhengtong 政通'): Promise<TotpEnrolment> {
  const secret = new Secret({ size: 20 });
  const totp = new TOTP({ issuer, label: accountName, algorithm: 'SHA1', digits: 6, period: PERIOD, secret });
  const otpauthUri = totp.toString();
  return { secretBase32: secret.base32, otpauthUri, qrDataUrl: await QRCode.toDataURL(otpauthUri) };
}

/**
 * Checks a 6-digit code against a secret at `now`, allowing one step of clock drift either way.
 * Returns the matched time step (to refuse reuse of the same code), or null.
 */
export function checkTotp(secretBase32: string, code: string, now: Date): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const totp = new TOTP({ algorithm: 'SHA1', digits: 6, period: PERIOD, secret: Secret.fromBase32(secretBase32) });
  const delta = totp.validate({ token: code, timestamp: now.getTime(), window: 1 });
  if (delta === null) return null;
  return Math.floor(now.getTime() / 1000 / PERIOD) + delta;
}

/** The current code for a secret (tests and the demo's helper). */
export function currentTotp(secretBase32: string, now: Date): string {
  return new TOTP({ algorithm: 'SHA1', digits: 6, period: PERIOD, secret: Secret.fromBase32(secretBase32) }).generate({ timestamp: now.getTime() });
}
