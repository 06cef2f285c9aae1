import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

import { afterAll } from '@jest/globals';

import { API_DIR } from './api-process.js';
import { type CliRun, env } from './cli.js';

let worker: Worker | undefined;

afterAll(async () => {
  await worker?.terminate();
});

function cliWorker(): Worker {
  const cliRun = join(API_DIR, 'dist', 'cli-run.js');
  if (!existsSync(cliRun)) {
    throw new Error(`${cliRun} is missing: build first (npm run build -w @minishop/api)`);
  }
  worker ??= new Worker(new URL('./cli-run-worker.js', import.meta.url), {
    workerData: { cliRun: pathToFileURL(cliRun).href },
  });
  return worker;
}

/**
 * `cli(args)` without a child process: runCli, what dist/cli.js runs, in a
 * worker thread of this process (see cli-run-worker.js), with the same
 * environment and a fresh app per run. For how a command takes its
 * arguments, where a whole process start per case costs seconds; that
 * dist/cli.js hands its process what runCli decides, and its standard input
 * to the command, is tested on child processes (cli()). Standard input is
 * empty here. Runs of one file are one at a time, as its tests are.
 */
export async function cliInProcess(
  args: string[],
  extra: Record<string, string> = {},
): Promise<CliRun> {
  const thread = cliWorker();
  const reply = new Promise<CliRun & { failure?: string }>((resolve, reject) => {
    const onMessage = (message: CliRun & { failure?: string }) => {
      thread.off('error', onError);
      resolve(message);
    };
    const onError = (error: Error) => {
      thread.off('message', onMessage);
      reject(error);
    };
    thread.once('message', onMessage);
    thread.once('error', onError);
  });
  thread.postMessage({
    argv: [process.execPath, join(API_DIR, 'dist', 'cli.js'), ...args],
    env: { ...process.env, NODE_ENV: 'test', ...env(extra) },
  });
  const { failure, ...run } = await reply;
  // dist/cli.js would end on it with a message on stderr and exit 1: here
  // the test fails with it.
  if (failure) throw new Error(`runCli failed: ${failure}`);
  return run;
}
