import { Type } from 'typebox';
import type { HttpApp } from '../http/app.js';
import { errorResponses, StrictObject, StringEnum } from '../http/schema-helpers.js';
import { authorize } from '../policy.js';
import type { CalendarService } from './calendar.service.js';

const IsoDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD（北京时间日历日）' });
const Entry = Type.Object({
  date: Type.String(),
  kind: Type.String(),
  name: Type.String(),
  source: Type.Optional(Type.String()),
  updatedAt: Type.Optional(Type.String()),
});

/** The working-day calendar: entries (read by all, edited by the system admin) and deadline arithmetic. */
export async function calendarRoutes(app: HttpApp, service: CalendarService): Promise<void> {
  const tags = ['calendar'];
  app.get(
    '/api/v1/calendar/entries',
    {
      schema: {
        tags,
        summary: '节假日与调休日 / holidays and make-up working days',
        querystring: Type.Object({ year: Type.Optional(Type.Integer({ minimum: 1990, maximum: 2100 })) }, { additionalProperties: false }),
        response: { 200: Type.Array(Entry), ...errorResponses },
      },
    },
    async (request) => service.listEntries(request.actor, request.query.year),
  );
  app.put(
    '/api/v1/calendar/entries/:date',
    {
      schema: {
        tags,
        summary: '设置某日（系统管理员）/ set a date',
        params: StrictObject({ date: IsoDate }),
        body: StrictObject({ kind: StringEnum(['holiday', 'workday'] as const), name: Type.String({ minLength: 1, maxLength: 40 }) }),
        response: { 200: Entry, ...errorResponses },
      },
    },
    async (request) => service.setEntry(request.actor, request.ctx, request.params.date, request.body.kind, request.body.name),
  );
  app.delete(
    '/api/v1/calendar/entries/:date',
    { schema: { tags, summary: '删除某日条目 / remove a date', params: StrictObject({ date: IsoDate }), response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      await service.deleteEntry(request.actor, request.ctx, request.params.date);
      return reply.status(204).send(null);
    },
  );
  app.get(
    '/api/v1/calendar/add',
    {
      schema: {
        tags,
        summary: '计算 n 个工作日后的到期日 / due date after n working days',
        querystring: StrictObject({ start: IsoDate, n: Type.Integer({ minimum: 0, maximum: 3650 }) }),
        response: { 200: Type.Object({ start: Type.String(), n: Type.Integer(), due: Type.String(), dueAt: Type.String() }), ...errorResponses },
      },
    },
    async (request) => {
      authorize(request.actor, 'calendar.read');
      const cal = await service.calendar();
      const { start, n } = request.query;
      return { start, n, due: cal.addWorkingDays(start, n), dueAt: cal.dueAt(start, n).toISOString() };
    },
  );
  app.get(
    '/api/v1/calendar/between',
    {
      schema: {
        tags,
        summary: '两日之间的工作日数 (a, b] / working days in (a, b]',
        querystring: StrictObject({ from: IsoDate, to: IsoDate }),
        response: { 200: Type.Object({ from: Type.String(), to: Type.String(), workingDays: Type.Integer() }), ...errorResponses },
      },
    },
    async (request) => {
      authorize(request.actor, 'calendar.read');
      const cal = await service.calendar();
      return { ...request.query, workingDays: cal.workingDaysBetween(request.query.from, request.query.to) };
    },
  );
}
