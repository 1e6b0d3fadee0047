import { fileURLToPath } from 'node:url';
import { AuditLog, auditRoutes } from './audit/index.js';
import { catalogRoutes, createCatalogSearchIndex, runDueHarvests, seedClasses, type CatalogDeps } from './catalog/index.js';
import { CalendarService, calendarRoutes } from './core/calendar/index.js';
import { systemClock, type Clock } from './core/clock.js';
import type { AccessRightStore } from './core/access-rights.js';
import type { Config } from './core/config.js';
import { openDatabase, pingDatabase, type Database } from './core/db/database.js';
import { migrateToLatest } from './core/db/migrate.js';
import { createHttpApp, type HttpApp } from './core/http/app.js';
import { registerLandingPage } from './core/http/landing.js';
import { registerWebApp } from './core/http/web.js';
import { loadOrCreatePlatformKeys, secretBoxOf, type PlatformKeys } from './core/keys.js';
import { CenterAccessRightStore, ExchangeCenter, exchangeCenterRoutes } from './exchange/index.js';
import {
  authRoutes,
  DEFAULT_IDENTITY_SETTINGS,
  findOrgById,
  identityRoutes,
  purgeExpiredSessions,
  registerAuthHook,
  type IdentityDeps,
} from './identity/index.js';
import { MIGRATIONS } from './migrations.js';
import { createRegistries, type RegistryModule } from './registries/index.js';
import { standardsRoutes } from './standards/index.js';

export const VERSION = '0.1.0';

/** The built web app (`npm run build`); the same place from src/ (tests) and dist/ (built). */
const WEB_DIST = fileURLToPath(new URL('../web/dist', import.meta.url));

/** The running platform: its database, services and HTTP app, built from one Config. */
export interface Platform {
  config: Config;
  database: Database;
  keys: PlatformKeys;
  audit: AuditLog;
  calendar: CalendarService;
  /** Base registries (基础信息库). */
  registries: RegistryModule;
  identity: IdentityDeps;
  /** The exchange center's access rights (the catalog grants and revokes through it). */
  accessRights: AccessRightStore;
  /** The resource catalog's dependencies (services take them as their first argument). */
  catalog: CatalogDeps;
  /** The exchange center: registry, trust root, signed global configuration. */
  exchange: ExchangeCenter;
  app: HttpApp;
  clock: Clock;
  /** Starts periodic jobs: audit checkpoints, expired-session purge, scheduled catalog harvests. */
  startJobs(): void;
  /** Signs the audit chain head now (also done by the job). */
  checkpoint(): Promise<number | undefined>;
  close(): Promise<void>;
}

/**
 * The composition root: opens the database, applies migrations, loads (or creates) the keys,
 * wires every module and builds the HTTP app. Nothing listens until the caller calls
 * `platform.app.listen`.
 *
 * @example const platform = await createPlatform(loadConfig()); await platform.app.listen({ port: 8080 });
 */
export async function createPlatform(config: Config, options: { clock?: Clock } = {}): Promise<Platform> {
  const clock = options.clock ?? systemClock;
  const database = await openDatabase(config.dbUrl);
  try {
    await migrateToLatest(database.db, database.dialect, MIGRATIONS);
    const keys = await loadOrCreatePlatformKeys(config.keyDir, config.cryptoSuite);
    const audit = new AuditLog(database.db, database.dialect, clock);
    await audit.init(keys.suite.hashName);
    const calendar = new CalendarService(database.db, audit, clock);
    await calendar.seed();
    const identity: IdentityDeps = {
      db: database.db,
      audit,
      clock,
      secrets: secretBoxOf(keys),
      settings: { ...DEFAULT_IDENTITY_SETTINGS, passwordCost: config.passwordCost },
    };

    const accessRights = new CenterAccessRightStore(clock);
    const exchange = new ExchangeCenter({
      db: database.db,
      audit,
      clock,
      accessRights,
      signing: { suite: keys.suite, keyPair: keys.signing, fingerprint: keys.fingerprint },
      secrets: secretBoxOf(keys, 'zhengtong/exchange-ca/1'),
      instance: config.exchangeInstance,
      confValidityMs: config.globalConfValidityMs,
    });

    const catalog: CatalogDeps = {
      db: database.db,
      audit,
      clock,
      calendar,
      accessRights,
      orgs: { byId: async (id) => findOrgById(identity, id) },
      baseUrl: `http://${config.host}:${config.port}`,
      exchangeInstance: config.exchangeInstance,
      searchIndex: createCatalogSearchIndex(database.db, database.dialect, config.catalogSearchIndex),
    };
    await seedClasses(database.db, clock.now().toISOString());

    const registries = await createRegistries({
      db: database.db,
      dialect: database.dialect,
      audit,
      clock,
      calendar,
      keys,
      identity,
      rightsWithServiceCode: (code) => accessRights.withServiceCode(database.db, code),
    });

    const app = await createHttpApp({
      logLevel: config.logLevel,
      bodyLimit: config.bodyLimit,
      ready: () => pingDatabase(database.db),
      version: VERSION,
    });
    if (!(await registerWebApp(app, WEB_DIST))) registerLandingPage(app, '政通 zhengtong 电子政务平台');
    registerAuthHook(app, identity, { secure: config.secureCookies });
    await identityRoutes(app, identity);
    await authRoutes(app, identity, { secureCookies: config.secureCookies, rateLimitPerMinute: config.authRateLimit });
    await standardsRoutes(app);
    await calendarRoutes(app, calendar);
    await registries.routes(app);
    await exchangeCenterRoutes(app, exchange);
    await catalogRoutes(app, catalog);
    await auditRoutes(app, {
      db: database.db,
      audit,
      verifyCheckpoint: (message, signature, cp) =>
        cp.suite === keys.suite.name && keys.suite.verify(keys.signing.publicKey, message, Buffer.from(signature, 'base64')),
    });

    const signer = { suite: keys.suite.name, fingerprint: keys.fingerprint, sign: (m: Uint8Array) => keys.suite.sign(keys.signing.privateKey, m) };
    const timers: NodeJS.Timeout[] = [];
    const checkpoint = () => audit.checkpoint(signer);
    const runQuietly = (job: () => Promise<unknown>, name: string) => () => {
      job().catch((err: unknown) => app.log.error({ err, job: name }, 'background job failed'));
    };

    return {
      config,
      database,
      keys,
      audit,
      calendar,
      registries,
      identity,
      accessRights,
      catalog,
      exchange,
      app,
      clock,
      checkpoint,
      startJobs() {
        if (config.checkpointIntervalMs > 0) timers.push(setInterval(runQuietly(checkpoint, 'audit.checkpoint'), config.checkpointIntervalMs));
        timers.push(
          setInterval(
            runQuietly(() => purgeExpiredSessions(identity), 'identity.session-purge'),
            5 * 60_000,
          ),
        );
        // Harvest sources with an interval are due when their last run is older than it; one sweep at a time.
        let harvesting = false;
        timers.push(
          setInterval(
            runQuietly(async () => {
              if (harvesting) return;
              harvesting = true;
              try {
                await runDueHarvests(catalog);
              } finally {
                harvesting = false;
              }
            }, 'catalog.harvest'),
            60_000,
          ),
        );
        for (const t of timers) t.unref();
      },
      async close() {
        for (const t of timers) clearInterval(t);
        catalog.searchIndex?.close();
        await app.close();
        await checkpoint().catch(() => undefined);
        await database.close();
      },
    };
  } catch (e) {
    await database.close();
    throw e;
  }
}
