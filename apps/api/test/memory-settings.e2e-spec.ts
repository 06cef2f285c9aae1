import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

import { describe, expect, test } from '@jest/globals';

import { API_DIR } from './support/api-process.js';

const run = promisify(execFile);
const LAUNCHER = join(API_DIR, 'bin/minishop-node');
const POLICY = pathToFileURL(
  join(API_DIR, 'dist/infrastructure/runtime/start-heap-policy.js'),
).href;

/**
 * Reports V8's young-generation capacity after allocation that survives
 * scavenges (which makes V8 grow it), first while starting, then serving.
 */
const PROBE = `
import { getHeapSpaceStatistics } from 'node:v8';
const young = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
const { useServingHeapPolicy } = await import(${JSON.stringify(POLICY)});
const churn = () => {
  const keep = [];
  for (let i = 0; i < 300; i++) {
    keep.push(Array.from({ length: 2000 }, (_, j) => ({ j })));
    if (keep.length > 40) keep.shift();
  }
  return keep.length;
};
churn();
const starting = young();
useServingHeapPolicy();
churn();
process.stdout.write(JSON.stringify({ starting, serving: young() }));
`;

async function youngGeneration(
  nodeFlags: string[],
): Promise<{ starting: number; serving: number }> {
  const { stdout } = await run(
    process.execPath,
    [...nodeFlags, '--input-type=module', '-e', PROBE],
    {
      env: { PATH: process.env.PATH ?? '' },
    },
  );
  return JSON.parse(stdout) as { starting: number; serving: number };
}

const MiB = 1024 * 1024;

describe('start-up heap policy (dist/infrastructure/runtime/start-heap-policy.js)', () => {
  test('keeps the young generation small while starting and lets it grow once serving', async () => {
    const { starting, serving } = await youngGeneration([]);
    expect(starting).toBeLessThanOrEqual(2 * MiB);
    expect(serving).toBeGreaterThanOrEqual(4 * starting);
  });

  test('leaves the heap alone when the operator sets the flags', async () => {
    const { starting } = await youngGeneration(['--semi-space-growth-factor=2']);
    expect(starting).toBeGreaterThan(2 * MiB);
  });
});

describe('bin/minishop-node', () => {
  const probe = (env: Record<string, string>) =>
    new Promise<{ pid: number | undefined; out: string }>((resolve, reject) => {
      const child = spawn(
        'sh',
        [LAUNCHER, '-e', 'process.stdout.write(`${process.pid} ${process.env.MALLOC_ARENA_MAX}`)'],
        { env: { PATH: process.env.PATH ?? '', ...env } },
      );
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.once('error', reject);
      child.once('exit', () => resolve({ pid: child.pid, out }));
    });

  test('execs node in place (the pid is node itself) with two malloc arenas', async () => {
    const { pid, out } = await probe({});
    expect(out).toBe(`${pid} 2`);
  });

  test('keeps a MALLOC_ARENA_MAX the environment already sets', async () => {
    const { pid, out } = await probe({ MALLOC_ARENA_MAX: '4' });
    expect(out).toBe(`${pid} 4`);
  });
});
