/**
 * X-Road identifiers: a member is `INSTANCE/CLASS/CODE` (`CN-DEMO/GOV/11350100MB2C92731X`), a
 * subsystem adds `/SUBSYSTEM`, a service adds `/SERVICECODE`. Codes are restricted to characters
 * that never need escaping in a URL path, so identifiers compare as plain strings.
 */
const PART = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface SubsystemId {
  instance: string;
  memberClass: string;
  memberCode: string;
  subsystem: string;
}

export interface ServiceId extends SubsystemId {
  service: string;
}

/** True when `s` is one identifier part (letters, digits, `.`, `_`, `-`; 1–64 characters). */
export function isIdPart(s: string): boolean {
  return PART.test(s);
}

function split(text: string, n: number): string[] | undefined {
  const parts = text.split('/');
  return parts.length === n && parts.every(isIdPart) ? parts : undefined;
}

/** Parses `INSTANCE/CLASS/CODE`; undefined when malformed. */
export function parseMemberId(text: string): { instance: string; memberClass: string; memberCode: string } | undefined {
  const p = split(text, 3);
  return p ? { instance: p[0]!, memberClass: p[1]!, memberCode: p[2]! } : undefined;
}

/** Parses `INSTANCE/CLASS/CODE/SUBSYSTEM`; undefined when malformed. */
export function parseSubsystemId(text: string): SubsystemId | undefined {
  const p = split(text, 4);
  return p ? { instance: p[0]!, memberClass: p[1]!, memberCode: p[2]!, subsystem: p[3]! } : undefined;
}

/** Parses `INSTANCE/CLASS/CODE/SUBSYSTEM/SERVICE`; undefined when malformed. */
export function parseServiceId(text: string): ServiceId | undefined {
  const p = split(text, 5);
  return p ? { instance: p[0]!, memberClass: p[1]!, memberCode: p[2]!, subsystem: p[3]!, service: p[4]! } : undefined;
}

/** The subsystem a service belongs to (`…/SUBSYSTEM/SERVICE` → `…/SUBSYSTEM`). */
export function subsystemOfService(serviceId: string): string {
  return serviceId.slice(0, serviceId.lastIndexOf('/'));
}

/** The member a subsystem belongs to. */
export function memberOfSubsystem(subsystemId: string): string {
  return subsystemId.slice(0, subsystemId.lastIndexOf('/'));
}
