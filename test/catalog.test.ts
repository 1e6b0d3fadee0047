import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, createTestPlatform, DIALECTS, staffBrowser, type TestPlatform } from './helpers.js';
import { MARKET_USCC, POLICE_USCC, resourceBody, seedCatalogPeople } from './catalog-fixtures.js';

describe.each(DIALECTS)('catalog (%s)', (dialect) => {
  let p: TestPlatform;
  let ids: Awaited<ReturnType<typeof seedCatalogPeople>>;
  let police: Browser;
  let market: Browser;
  let reviewer: Browser;
  const anon = () => new Browser(p);

  beforeAll(async () => {
    p = await createTestPlatform(dialect);
    ids = await seedCatalogPeople(p);
    police = (await staffBrowser(p, 'police.staff')).browser;
    market = (await staffBrowser(p, 'market.staff')).browser;
    reviewer = (await staffBrowser(p, 'reviewer')).browser;
  });
  afterAll(async () => p.destroy());

  const actions = async (prefix: string) => (await p.audit.search({ action: `${prefix}.*`, limit: 500 })).map((r) => r.action);

  /** Creates, submits and publishes a resource as police staff and the reviewer. */
  async function publish(body: Record<string, unknown>) {
    const created = await police.request('POST', '/api/v1/catalog/resources', body);
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    expect((await police.request('POST', `/api/v1/catalog/resources/${id}/submit`)).statusCode).toBe(200);
    const pub = await reviewer.request('POST', `/api/v1/catalog/resources/${id}/review`, { decision: 'publish' });
    expect(pub.statusCode, pub.body).toBe(200);
    return pub.json();
  }

  describe('resources and their rules', () => {
    it('catalogues a draft with a generated code 分类码/顺序码, provider code and audit record', async () => {
      const a = await police.request('POST', '/api/v1/catalog/resources', resourceBody());
      expect(a.statusCode, a.body).toBe(201);
      const r = a.json();
      expect(r.code).toBe('201/000001');
      expect(r.status).toBe('draft');
      expect(r.provider).toMatchObject({ orgId: ids.policeId, code: POLICE_USCC, name: '测试市公安局' });
      expect(r.regionCode).toBe('350100');
      expect(r.items).toHaveLength(3);
      const b = await police.request('POST', '/api/v1/catalog/resources', resourceBody({ name: '暂住人口信息' }));
      expect(b.json().code).toBe('201/000002');
      expect(await actions('catalog.resource')).toContain('catalog.resource.create');
    });

    it('rejects bad metadata naming each field: 有条件 needs a condition, 不予共享 a legal basis, items a valid type', async () => {
      const res = await police.request(
        'POST',
        '/api/v1/catalog/resources',
        resourceBody({ shareCondition: '  ', classCode: '2', items: [{ name: '姓名', field: '姓名', type: 'C', length: null, element: null }] }),
      );
      expect(res.statusCode).toBe(400);
      const fields = (res.json().error.details.fields as Array<{ field: string }>).map((f) => f.field);
      expect(fields).toEqual(['body.classCode', 'body.items.0.field', 'body.shareCondition']);
      const none = await police.request('POST', '/api/v1/catalog/resources', resourceBody({ shareType: 'none', shareCondition: null }));
      expect(none.json().error.details.fields).toEqual([expect.objectContaining({ field: 'body.shareBasis' })]);
      const enumBad = await police.request('POST', '/api/v1/catalog/resources', resourceBody({ updateCycle: 'hourly' }));
      expect(enumBad.statusCode).toBe(400);
      expect(enumBad.json().error.code).toBe('VALIDATION_FAILED');
      const zero = await police.request(
        'POST',
        '/api/v1/catalog/resources',
        resourceBody({ items: [{ name: '姓名', field: 'name', type: 'C', length: 0, element: null }] }),
      );
      expect(zero.json().error.details.fields[0].field).toMatch(/items\/?\.?0.*length/);
    });

    it('forces base-registry resources (人口) to 无条件共享', async () => {
      const res = await police.request(
        'POST',
        '/api/v1/catalog/resources',
        resourceBody({ classCode: '101', shareType: 'none', shareCondition: null, shareBasis: '某法' }),
      );
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toMatchObject({ code: '101/000001', shareType: 'unconditional', shareBasis: null, baseRegistry: true });
    });

    it('lets only the provider department edit, and only reviewers decide', async () => {
      const r = (await police.request('POST', '/api/v1/catalog/resources', resourceBody({ name: '临时户口' }))).json();
      expect((await market.request('PUT', `/api/v1/catalog/resources/${r.id}`, resourceBody())).statusCode).toBe(403);
      expect((await market.request('GET', `/api/v1/catalog/resources/${r.id}`)).statusCode).toBe(404);
      expect((await police.request('POST', `/api/v1/catalog/resources/${r.id}/review`, { decision: 'publish' })).statusCode).toBe(403);
      expect((await anon().request('POST', '/api/v1/catalog/resources', resourceBody())).statusCode).toBe(401);
      // Reviewing a draft is not a valid transition.
      const early = await reviewer.request('POST', `/api/v1/catalog/resources/${r.id}/review`, { decision: 'publish' });
      expect(early.json().error.code).toBe('CATALOG_INVALID_TRANSITION');
    });

    it('runs the review: 草稿 → 待审核 → 退回 with reasons → 待审核 → 已发布 → 已下线', async () => {
      const r = (await police.request('POST', '/api/v1/catalog/resources', resourceBody({ name: '出入境证件信息' }))).json();
      await police.request('POST', `/api/v1/catalog/resources/${r.id}/submit`);
      const queue = await reviewer.request('GET', '/api/v1/catalog/review-queue');
      expect(queue.json().items.map((x: { id: string }) => x.id)).toContain(r.id);
      const noReason = await reviewer.request('POST', `/api/v1/catalog/resources/${r.id}/review`, { decision: 'return' });
      expect(noReason.json().error.details.fields[0].field).toBe('body.reason');
      const returned = await reviewer.request('POST', `/api/v1/catalog/resources/${r.id}/review`, { decision: 'return', reason: '摘要过于简单' });
      expect(returned.json()).toMatchObject({ status: 'returned', reviewNote: '摘要过于简单' });
      const edited = await police.request(
        'PUT',
        `/api/v1/catalog/resources/${r.id}`,
        resourceBody({ name: '出入境证件信息', abstract: '出入境证件签发信息，含证件号码、签发日期。' }),
      );
      expect(edited.statusCode, edited.body).toBe(200);
      await police.request('POST', `/api/v1/catalog/resources/${r.id}/submit`);
      const pub = await reviewer.request('POST', `/api/v1/catalog/resources/${r.id}/review`, { decision: 'publish' });
      expect(pub.json()).toMatchObject({ status: 'published', publishedOn: '2026-03-02' });
      expect((await police.request('PUT', `/api/v1/catalog/resources/${r.id}`, resourceBody())).json().error.code).toBe('CATALOG_INVALID_TRANSITION');
      const off = await reviewer.request('POST', `/api/v1/catalog/resources/${r.id}/withdraw`, { reason: '数据源停用' });
      expect(off.json().status).toBe('offline');
      expect(await actions('catalog.resource')).toEqual(
        expect.arrayContaining([
          'catalog.resource.submit',
          'catalog.resource.return',
          'catalog.resource.update',
          'catalog.resource.publish',
          'catalog.resource.withdraw',
        ]),
      );
    });
  });

  describe('classification and thesaurus', () => {
    it('is seeded with the three top classes and their items, and editable by reviewers', async () => {
      const classes = (await anon().request('GET', '/api/v1/catalog/classes')).json() as Array<{ code: string; name: string; level: number }>;
      expect(classes.filter((c) => c.level === 1).map((c) => c.name)).toEqual(['基础信息资源', '主题信息资源', '部门信息资源']);
      expect(classes.find((c) => c.code === '101')?.name).toBe('人口');
      expect(classes.find((c) => c.code === '212')?.name).toBe('应急维稳');
      expect((await police.request('POST', '/api/v1/catalog/classes', { parentCode: '3', name: '公安' })).statusCode).toBe(403);
      const item = await reviewer.request('POST', '/api/v1/catalog/classes', { parentCode: '3', name: '公安' });
      expect(item.json()).toMatchObject({ code: '301', level: 2, levelName: '项' });
      const sub = await reviewer.request('POST', '/api/v1/catalog/classes', { parentCode: '301', name: '治安管理' });
      expect(sub.json()).toMatchObject({ code: '301001', level: 3, levelName: '目' });
      expect((await reviewer.request('DELETE', '/api/v1/catalog/classes/301')).json().error.code).toBe('CATALOG_CLASS_IN_USE');
      expect((await reviewer.request('PATCH', '/api/v1/catalog/classes/301001', { name: '治安' })).json().name).toBe('治安');
      expect((await reviewer.request('DELETE', '/api/v1/catalog/classes/301001')).statusCode).toBe(204);
      expect(await actions('catalog.class')).toEqual(['catalog.class.delete', 'catalog.class.rename', 'catalog.class.create', 'catalog.class.create']);
    });

    it('keeps preferred terms, synonyms and broader/narrower terms, refusing duplicates and cycles', async () => {
      const broad = (await reviewer.request('POST', '/api/v1/catalog/terms', { preferred: '人口', synonyms: [] })).json();
      const t = await reviewer.request('POST', '/api/v1/catalog/terms', { preferred: '身份证', synonyms: ['居民身份证', '公民身份号码'], broaderId: broad.id });
      expect(t.statusCode, t.body).toBe(201);
      const dup = await reviewer.request('POST', '/api/v1/catalog/terms', { preferred: '证件', synonyms: ['居民身份证'] });
      expect(dup.json().error.code).toBe('CATALOG_TERM_EXISTS');
      const cycle = await reviewer.request('PUT', `/api/v1/catalog/terms/${broad.id}`, { preferred: '人口', synonyms: [], broaderId: t.json().id });
      expect(cycle.statusCode).toBe(400);
      const terms = (await anon().request('GET', '/api/v1/catalog/terms')).json();
      expect(terms.find((x: { id: string }) => x.id === broad.id).narrowerIds).toEqual([t.json().id]);
    });
  });

  describe('search and views', () => {
    it('finds a resource by a two-character word, with highlights and facets, in the right views only', async () => {
      const open = await publish(
        resourceBody({
          name: '企业登记信息',
          abstract: '市场主体的登记信息。',
          keywords: ['企业'],
          openType: 'open',
          classCode: '208',
          items: [{ name: '企业名称', field: 'entName', type: 'C', length: 100, element: null }],
        }),
      );
      const shared = await publish(resourceBody({ name: '常住人口户籍明细' }));
      await publish(resourceBody({ name: '涉密户籍档案', shareType: 'none', shareCondition: null, shareBasis: '《中华人民共和国保守国家秘密法》' }));

      const sharing = await market.request('GET', `/api/v1/catalog/sharing?q=${encodeURIComponent('户籍')}`);
      expect(sharing.statusCode).toBe(200);
      const hits = sharing.json().items as Array<{ resource: { id: string; name: string }; highlights: { name: string } }>;
      expect(hits.map((h) => h.resource.name)).toEqual(['常住人口户籍明细']);
      expect(hits[0]!.highlights.name).toBe('常住人口<em>户籍</em>明细');
      expect(sharing.json().facets.shareType).toEqual([{ value: 'conditional', label: '有条件共享', count: 1 }]);
      expect(sharing.json().facets.provider).toEqual([{ value: ids.policeId, label: '测试市公安局', count: 1 }]);

      // The open-data catalog: anonymous, open resources only.
      const pub = await anon().request('GET', `/api/v1/catalog/open-data?q=${encodeURIComponent('登记')}`);
      expect(pub.json().items.map((h: { resource: { id: string } }) => h.resource.id)).toEqual([open.id]);
      expect((await anon().request('GET', '/api/v1/catalog/sharing')).statusCode).toBe(401);
      expect((await anon().request('GET', `/api/v1/catalog/resources/${shared.id}`)).statusCode).toBe(401);
      expect((await anon().request('GET', `/api/v1/catalog/resources/${open.id}`)).statusCode).toBe(200);
      // Synonyms: 身份证 is in the thesaurus with 公民身份号码, an item of the shared resource.
      const syn = await market.request('GET', `/api/v1/catalog/sharing?q=${encodeURIComponent('身份证')}`);
      expect(syn.json().items.map((h: { resource: { id: string } }) => h.resource.id)).toContain(shared.id);
      expect(syn.json().terms[0]).toEqual(expect.arrayContaining(['身份证', '公民身份号码']));
      // A department's own view has its drafts too.
      const mine = await police.request('GET', '/api/v1/catalog/mine?limit=100');
      expect(mine.json().facets.shareType.find((f: { value: string }) => f.value === 'none').count).toBeGreaterThan(0);
      expect(mine.json().items.some((h: { resource: { status: string } }) => h.resource.status === 'draft')).toBe(true);
      const filtered = await market.request('GET', '/api/v1/catalog/sharing?formatType=database&classCode=208');
      expect(filtered.json().total).toBe(1);
    });
  });

  describe('sharing applications', () => {
    it('approves fewer items than asked and grants exactly those in the exchange center; refusals need reasons', async () => {
      const r = await publish(resourceBody({ name: '户籍核验' }));
      const consumer = `CN-DEMO/GOV/${MARKET_USCC}/licensing`;
      const bad = await market.request('POST', `/api/v1/catalog/resources/${r.id}/applications`, {
        consumerSubsystem: `CN-DEMO/GOV/${POLICE_USCC}/licensing`,
        purpose: '企业开办核验法定代表人身份',
        legalBasis: '《市场主体登记管理条例》',
        items: ['name', 'salary'],
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.details.fields.map((f: { field: string }) => f.field)).toEqual(['body.consumerSubsystem', 'body.items.1']);
      const a = await market.request('POST', `/api/v1/catalog/resources/${r.id}/applications`, {
        consumerSubsystem: consumer,
        purpose: '企业开办核验法定代表人身份',
        legalBasis: '《市场主体登记管理条例》',
        items: ['name', 'idNumber', 'address'],
        validUntil: '2027-03-01T00:00:00.000Z',
      });
      expect(a.statusCode, a.body).toBe(201);
      // Applied on Monday 2026-03-02: the tenth working day after it is Monday 2026-03-16, 23:59:59.999 Beijing time.
      expect(a.json()).toMatchObject({ status: 'pending', dueAt: '2026-03-16T15:59:59.999Z', overdue: false });
      expect((await market.request('POST', `/api/v1/catalog/applications/${a.json().id}/decision`, { decision: 'approve' })).statusCode).toBe(403);
      const inbox = await police.request('GET', '/api/v1/catalog/applications?direction=in');
      expect(inbox.json()).toMatchObject({ total: 1, overdue: 0 });

      const ok = await police.request('POST', `/api/v1/catalog/applications/${a.json().id}/decision`, { decision: 'approve', items: ['name', 'idNumber'] });
      expect(ok.statusCode, ok.body).toBe(200);
      expect(ok.json()).toMatchObject({ status: 'approved', approvedItems: ['name', 'idNumber'] });
      const rights = (await p.accessRights.inForce(p.database.db, p.clock.now().toISOString())).filter((x) => x.source === `catalog:${a.json().id}`);
      expect(rights).toHaveLength(1);
      expect(rights[0]).toMatchObject({
        consumer,
        service: `CN-DEMO/GOV/${POLICE_USCC}/hukou/persons`,
        fields: ['name', 'idNumber'],
        purpose: '企业开办核验法定代表人身份',
        validUntil: '2027-03-01T00:00:00.000Z',
      });
      expect(
        (await police.request('POST', `/api/v1/catalog/applications/${a.json().id}/decision`, { decision: 'refuse', reason: 'x' })).json().error.code,
      ).toBe('CATALOG_APPLICATION_DECIDED');
      // Withdrawal removes the right.
      const w = await market.request('POST', `/api/v1/catalog/applications/${a.json().id}/withdraw`, { reason: '业务已停办' });
      expect(w.json().status).toBe('withdrawn');
      expect((await p.accessRights.inForce(p.database.db, p.clock.now().toISOString())).filter((x) => x.source === `catalog:${a.json().id}`)).toEqual([]);

      const b = await market.request('POST', `/api/v1/catalog/resources/${r.id}/applications`, {
        consumerSubsystem: consumer,
        purpose: '统计',
        legalBasis: '无',
        items: ['name'],
      });
      const refuse = await police.request('POST', `/api/v1/catalog/applications/${b.json().id}/decision`, { decision: 'refuse' });
      expect(refuse.json().error.details.fields[0].field).toBe('body.reason');
      expect(
        (await police.request('POST', `/api/v1/catalog/applications/${b.json().id}/decision`, { decision: 'refuse', reason: '用途与共享条件不符' })).json(),
      ).toMatchObject({
        status: 'refused',
        reason: '用途与共享条件不符',
        accessRightIds: [],
      });
      expect(await actions('catalog.application')).toEqual(
        expect.arrayContaining(['catalog.application.create', 'catalog.application.approve', 'catalog.application.withdraw', 'catalog.application.refuse']),
      );
    });

    it('grants 无条件 at once (recorded), refuses 不予共享, and flags overdue answers', async () => {
      const consumer = `CN-DEMO/GOV/${MARKET_USCC}/licensing`;
      const free = await publish(resourceBody({ name: '人口基础信息', classCode: '101' }));
      const g = await market.request('POST', `/api/v1/catalog/resources/${free.id}/applications`, {
        consumerSubsystem: consumer,
        purpose: '核验',
        legalBasis: '条例',
        items: ['name'],
      });
      expect(g.json()).toMatchObject({ status: 'approved', dueAt: null, approvedItems: ['name'] });
      expect(g.json().accessRightIds).toHaveLength(1);
      const closed = await publish(resourceBody({ name: '不予共享的资源', shareType: 'none', shareCondition: null, shareBasis: '《保密法》' }));
      const no = await market.request('POST', `/api/v1/catalog/resources/${closed.id}/applications`, {
        consumerSubsystem: consumer,
        purpose: '核验',
        legalBasis: '条例',
        items: ['name'],
      });
      expect(no.statusCode).toBe(409);
      expect(no.json().error.code).toBe('CATALOG_NOT_SHAREABLE');

      const cond = await publish(resourceBody({ name: '待答复资源' }));
      const pending = await market.request('POST', `/api/v1/catalog/resources/${cond.id}/applications`, {
        consumerSubsystem: consumer,
        purpose: '核验',
        legalBasis: '条例',
        items: ['name'],
      });
      p.clock.advance(20 * 24 * 3600_000);
      market = (await staffBrowser(p, 'market.staff')).browser;
      const mineOut = await market.request('GET', '/api/v1/catalog/applications?direction=out&status=pending');
      const found = mineOut.json().items.find((x: { id: string }) => x.id === pending.json().id);
      expect(found.overdue).toBe(true);
      expect(mineOut.json().overdue).toBeGreaterThanOrEqual(1);
      const inbox = await (await staffBrowser(p, 'police.staff')).browser.request('GET', '/api/v1/catalog/applications?direction=in');
      expect(inbox.json().overdue).toBeGreaterThanOrEqual(1);
    });
  });
});
