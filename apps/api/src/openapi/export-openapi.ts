import 'reflect-metadata';

import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';

import { AppModule } from '../app.module.js';
import { AppConfig } from '../infrastructure/config/app-config.js';
import { setGlobalPrefix } from '../infrastructure/http/configure-app.js';
import { buildOpenApiDocument } from '../infrastructure/http/openapi.js';
import { errorMessage } from '../infrastructure/logging/error-message.js';

/**
 * Writes the OpenAPI document to openapi.json at the repository root. Nest's
 * preview mode builds the module graph without instantiating providers, so
 * no database is needed.
 */
async function main(): Promise<void> {
  const target = resolve(process.argv[2] ?? 'openapi.json');
  const config = AppConfig.fromEnv({
    NODE_ENV: 'test',
    DATABASE_URL: 'postgres://unused@127.0.0.1:1/none',
  });
  const app = await NestFactory.create(AppModule.register(config), new FastifyAdapter(), {
    preview: true,
    logger: false,
  });
  setGlobalPrefix(app);
  const document = buildOpenApiDocument(app);
  writeFileSync(target, `${JSON.stringify(document, null, 2)}\n`);
  await app.close();
  process.stdout.write(
    `OpenAPI document written to ${target} (${Object.keys(document.paths).length} paths)\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${errorMessage(error)}\n`);
  process.exit(1);
});
