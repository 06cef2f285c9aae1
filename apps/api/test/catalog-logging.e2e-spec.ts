import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { LogDestination } from '../src/infrastructure/logging/log-destination.js';
import { startTestApp, type TestApp } from './support/test-app.js';

// A file of its own: nestjs-pino keeps its logger in module state, so a
// second app in the same file would log through the first app's settings.

/** Collects the app's JSON log lines. */
class CapturedLog extends LogDestination {
  readonly lines: string[] = [];
  write(line: string): void {
    this.lines.push(line);
  }
  requestIds(): string[] {
    return this.lines
      .map((l) => (JSON.parse(l) as { req?: { id?: string } }).req?.id)
      .filter((id): id is string => id !== undefined);
  }
}

describe('request log of public catalog reads and health checks (LOG_LEVEL info)', () => {
  let t: TestApp;
  const log = new CapturedLog();

  beforeAll(async () => {
    t = await startTestApp({
      env: { CATALOG_CACHE: 'memory', LOG_LEVEL: 'info' },
      override: (b) => b.overrideProvider(LogDestination).useValue(log),
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  test('successes are not logged at info, failures are, with their request id', async () => {
    for (const [path, id] of [
      ['/api/v1/products?limit=2', 'log-list-miss'],
      ['/api/v1/products?limit=2', 'log-list-hit'],
      ['/api/v1/categories', 'log-categories'],
      ['/health/live', 'log-live'],
    ]) {
      await t.http.get(path!).set('X-Request-Id', id!).expect(200);
    }
    await t.http.get('/api/v1/products/no-such-product').set('X-Request-Id', 'log-404').expect(404);
    await t.http.get('/api/v1/products?limit=0').set('X-Request-Id', 'log-400').expect(400);
    // Any other route's successes still are.
    await t.http.post('/api/v1/cart').set('X-Request-Id', 'log-other').expect(201);
    const ids = log.requestIds();
    expect(ids).toEqual(expect.arrayContaining(['log-404', 'log-400', 'log-other']));
    for (const quiet of ['log-list-miss', 'log-list-hit', 'log-categories', 'log-live']) {
      expect(ids).not.toContain(quiet);
    }
  });
});
