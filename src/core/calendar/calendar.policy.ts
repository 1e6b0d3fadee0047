import { definePolicy } from '../policy.js';

/** Anyone may read the calendar and compute deadlines; only the system admin edits it. */
export const CALENDAR_RULES = definePolicy([
  { action: 'calendar.read', actorTypes: ['staff', 'citizen', 'agent', 'anonymous'] },
  { action: 'calendar.update', roles: ['system-admin'] },
]);
