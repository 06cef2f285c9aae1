#!/usr/bin/env node
import { parseArgs } from 'node:util';

import { runStorefrontScenario } from './scenario.js';

const { values } = parseArgs({
  options: {
    'base-url': { type: 'string', default: 'http://localhost:3000' },
    'emulator-url': { type: 'string', default: 'http://127.0.0.1:12111' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  process.stdout.write(
    'Usage: npm run demo -w @minishop/storefront-demo -- [--base-url URL] [--emulator-url URL]\n' +
      '  --base-url      the API (default http://localhost:3000)\n' +
      '  --emulator-url  its local Stripe emulator (default http://127.0.0.1:12111)\n',
  );
  process.exit(0);
}

try {
  const result = await runStorefrontScenario({
    baseUrl: values['base-url'],
    emulatorUrl: values['emulator-url'],
    log: (line) => process.stdout.write(`${line}\n`),
  });
  process.stdout.write(
    `\ndone: ${result.email} bought order ${result.paidOrder.id}, ${result.paidOrder.status}\n`,
  );
} catch (error) {
  process.stderr.write(`\nstorefront demo failed: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
