import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { startTestApp, type TestApp } from './support/test-app.js';

const committed = resolve(dirname(fileURLToPath(import.meta.url)), '../../../openapi.json');

describe('OpenAPI document', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  test('openapi.json in the repository is what the API serves (run `npm run openapi` after changing routes)', async () => {
    const served = (await t.http.get('/docs/openapi.json').expect(200)).body;
    const file = JSON.parse(readFileSync(committed, 'utf8'));
    expect(served).toEqual(file);
  });

  test('operation ids are unique and every operation has a tag', async () => {
    const doc = (await t.http.get('/docs/openapi.json').expect(200)).body as {
      paths: Record<string, Record<string, { operationId?: string; tags?: string[] }>>;
    };
    const ops = Object.values(doc.paths).flatMap((p) => Object.values(p));
    const ids = ops.map((o) => o.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const op of ops) expect(op.tags?.length ?? 0).toBeGreaterThan(0);
  });
});
