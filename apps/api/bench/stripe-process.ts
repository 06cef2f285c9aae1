import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { tracked } from './child-processes.js';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), 'stripe-emulator.main.js');
const SECRET_KEY = 'sk_test_bench';
const START_LIMIT_MS = 30_000;

export interface StripeProcess {
  child: ChildProcess;
  /** What the API needs to reach it, as it would reach Stripe. */
  env: Record<string, string>;
}

/**
 * Stripe, for the API under test, is another service: the emulator runs in
 * a process of its own and the API gets a secret key and STRIPE_API_HOST, as
 * in production. In the API's own process (`npm start`) it added its memory
 * to the idle figure and its share of every payment to the API's CPU.
 */
export function startStripeProcess(
  webhookUrl: string,
  webhookSecret: string,
): Promise<StripeProcess> {
  return new Promise((resolve, reject) => {
    const child = tracked(
      spawn(process.execPath, [MAIN], {
        env: {
          ...process.env,
          NODE_ENV: 'production',
          STRIPE_SECRET_KEY: SECRET_KEY,
          STRIPE_WEBHOOK_SECRET: webhookSecret,
          STRIPE_EMULATOR_WEBHOOK_URL: webhookUrl,
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      }),
    );
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the Stripe emulator did not listen within ${START_LIMIT_MS} ms`));
    }, START_LIMIT_MS);
    let seen = '';
    child.stdout.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const port = /port (\d+)/.exec(seen)?.[1];
      if (!port) return;
      clearTimeout(timer);
      child.stdout.removeAllListeners('data');
      resolve({
        child,
        env: {
          // Also over a STRIPE_EMULATOR=on of the shell or apps/api/.env.
          STRIPE_EMULATOR: 'off',
          STRIPE_SECRET_KEY: SECRET_KEY,
          STRIPE_API_HOST: '127.0.0.1',
          STRIPE_API_PORT: port,
          STRIPE_API_PROTOCOL: 'http',
        },
      });
    });
    child.once('exit', (code) => reject(new Error(`the Stripe emulator exited with ${code}`)));
  });
}
