import type { Server } from 'node:http';

import type { DynamicModule, Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test, type TestingModuleBuilder } from '@nestjs/testing';
import request from 'supertest';

import { AppModule } from '../../src/app.module.js';
import { createAdapter, prepareHttpApp } from '../../src/bootstrap.js';
import { AppConfig } from '../../src/infrastructure/config/app-config.js';
import { ContractRecorder } from './contract.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

/** Far longer than any close takes, far shorter than the hook's timeout. */
const CLOSE_WARNING_MS = 15_000;

export interface TestApp {
  app: NestFastifyApplication;
  http: ReturnType<typeof request>;
  config: AppConfig;
  db: TestDatabase;
  get<T>(token: Type<T> | (abstract new (...args: never[]) => T)): T;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  /** Extra modules or controllers, e.g. a probe route for pipeline tests. */
  imports?: (Type | DynamicModule)[];
  controllers?: Type[];
  /** Port overrides (clock, mailer, ...) through Nest's testing module. */
  override?: (builder: TestingModuleBuilder) => TestingModuleBuilder;
  /**
   * Another process of the same deployment: this app runs on the database of
   * one started before (which drops it when closed) instead of its own.
   */
  database?: TestDatabase;
}

/**
 * The real app (same modules, same HTTP configuration as `serve-http.ts`) on a
 * fresh database of its own, migrated (a copy of the run's migrated
 * template), ready for supertest.
 */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const db = options.database ?? (await createTestDatabase({ migrated: true }));
  const ownDatabase = options.database === undefined;
  const config = AppConfig.fromEnv({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    // Three test files run at once beside the API processes some start, on
    // one PostgreSQL of 100 connections: an app keeps the guard's account
    // check in memory (a listening connection more) only where a test asks.
    ACCOUNT_CACHE_SECONDS: '0',
    // Every account a test signs up comes from this one address; a test of
    // the registration limit sets its own.
    REGISTER_RATE_LIMIT_IP: '100000',
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    ...options.env,
    DATABASE_URL: db.url,
  });
  let builder = Test.createTestingModule({
    imports: [AppModule.register(config), ...(options.imports ?? [])],
    controllers: options.controllers ?? [],
  });
  if (options.override) builder = options.override(builder);
  const moduleRef = await builder.compile();
  const adapter = createAdapter(config);
  const contract = new ContractRecorder();
  contract.attach(adapter.getInstance());
  const app = moduleRef.createNestApplication<NestFastifyApplication>(adapter, {
    logger: false,
  });
  try {
    await prepareHttpApp(app);
    await app.getHttpAdapter().getInstance().ready();
  } catch (error) {
    await app.close().catch(() => undefined);
    if (ownDatabase) await db.drop();
    throw error;
  }
  return {
    app,
    http: request(app.getHttpServer()),
    config,
    db,
    get: (token) => app.get(token as Type),
    close: async () => {
      // A close that hangs shows otherwise only as the hook's timeout, with
      // no word of what it was waiting for.
      const watchdog = setTimeout(() => {
        (app.getHttpServer() as Server).getConnections((_error, open) =>
          process.stderr.write(
            `app.close() still running after ${CLOSE_WARNING_MS} ms, ${open} HTTP connection(s) open\n`,
          ),
        );
      }, CLOSE_WARNING_MS).unref();
      try {
        await app.close();
      } finally {
        clearTimeout(watchdog);
      }
      if (ownDatabase) await db.drop();
      const violations = contract.verify();
      if (violations.length > 0) {
        throw new Error(
          `Replies that break the OpenAPI document:\n  - ${violations.join('\n  - ')}`,
        );
      }
    },
  };
}
