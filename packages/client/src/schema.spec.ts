import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { expect, test } from '@jest/globals';
import openapiTS, { astToString } from 'openapi-typescript';

const here = dirname(fileURLToPath(import.meta.url));

test('src/schema.ts matches openapi.json (run `npm run generate -w @minishop/client`)', async () => {
  const document = JSON.parse(readFileSync(resolve(here, '../../../openapi.json'), 'utf8'));
  const generated = astToString(await openapiTS(document));
  const committed = readFileSync(resolve(here, 'schema.ts'), 'utf8');
  // The CLI adds a banner comment; compare the generated declarations.
  expect(committed).toContain(generated.trim());
});
