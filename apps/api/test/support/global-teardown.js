import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { dropRetiredDatabases, RETIRED_DIR } from './retired-databases.js';

const here = dirname(fileURLToPath(import.meta.url));
const coverageDir = resolve(here, '../../test-output/contract-coverage');
const openapiFile = resolve(here, '../../../../openapi.json');
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/**
 * After a full run (no file filter), every operation of the OpenAPI document
 * must have been exercised by at least one e2e test.
 */
function checkContractCoverage(globalConfig) {
  const filtered =
    (globalConfig.testPathPatterns?.patterns?.length ?? globalConfig.testPathPattern?.length ?? 0) >
      0 ||
    globalConfig.onlyChanged ||
    (globalConfig.testNamePattern ?? '') !== '';
  if (filtered || !existsSync(coverageDir)) return;
  const covered = new Set(
    readdirSync(coverageDir).flatMap((f) =>
      JSON.parse(readFileSync(resolve(coverageDir, f), 'utf8')),
    ),
  );
  const document = JSON.parse(readFileSync(openapiFile, 'utf8'));
  const missing = Object.entries(document.paths).flatMap(([path, ops]) =>
    METHODS.filter((m) => ops[m])
      .map((m) => `${m.toUpperCase()} ${path}`)
      .filter((op) => !covered.has(op)),
  );
  if (missing.length > 0) {
    throw new Error(
      `Operations of openapi.json no e2e test exercised:\n  - ${missing.join('\n  - ')}`,
    );
  }
  process.stderr.write(`[contract] all ${covered.size} documented operations exercised\n`);
}

export default async function globalTeardown(globalConfig) {
  const state = globalThis.__MINISHOP_PG__;
  if (state) {
    await state.pg.stop();
    rmSync(state.dir, { recursive: true, force: true });
    rmSync(RETIRED_DIR, { recursive: true, force: true });
  } else if (process.env.DATABASE_URL) {
    // The migrated template (test-database.ts), and what a file that died
    // making it left, go with the databases the files retired.
    const template = process.env.MINISHOP_TEST_TEMPLATE;
    if (template) {
      mkdirSync(RETIRED_DIR, { recursive: true });
      for (const name of [template, `${template}0`]) writeFileSync(resolve(RETIRED_DIR, name), '');
    }
    await dropRetiredDatabases(process.env.DATABASE_URL);
  }
  checkContractCoverage(globalConfig);
}
