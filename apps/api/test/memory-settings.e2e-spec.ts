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
 * Reports, first while starting and then serving, V8's young-generation
 * capacity after allocation that survives scavenges (which makes V8 grow it)
 * and whether a hot function got optimized by TurboFan.
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
const hot = (x) => (x * 31 + 7) % 1009;
const spin = () => { let s = 0; for (let i = 0; i < 2e6; i++) s += hot(i); return s; };
// So that hot() is optimized on its own rather than inlined into spin().
%NeverOptimizeFunction(spin);
// Bit 6 of V8's optimization status: the function runs TurboFan code.
const turbofanned = () => (%GetOptimizationStatus(hot) & 64) !== 0;
const phase = () => { churn(); spin(); return { young: young(), turbofanned: turbofanned() }; };
const starting = phase();
useServingHeapPolicy();
process.stdout.write(JSON.stringify({ starting, serving: phase() }));
`;

interface Phase {
  young: number;
  turbofanned: boolean;
}

async function phases(nodeFlags: string[]): Promise<{ starting: Phase; serving: Phase }> {
  const { stdout } = await run(
    process.execPath,
    // Synchronous optimization, so "optimized" does not depend on timing.
    [
      ...nodeFlags,
      '--allow-natives-syntax',
      '--no-concurrent-recompilation',
      '--input-type=module',
      '-e',
      PROBE,
    ],
    { env: { PATH: process.env.PATH ?? '' } },
  );
  return JSON.parse(stdout) as { starting: Phase; serving: Phase };
}

const MiB = 1024 * 1024;

describe('start-up heap policy (dist/infrastructure/runtime/start-heap-policy.js)', () => {
  test('starting: small young generation, no optimized code; serving: both as V8 does by default', async () => {
    const { starting, serving } = await phases([]);
    expect(starting).toEqual({ young: expect.any(Number), turbofanned: false });
    expect(starting.young).toBeLessThanOrEqual(2 * MiB);
    expect(serving.turbofanned).toBe(true);
    expect(serving.young).toBeGreaterThanOrEqual(4 * starting.young);
  });

  test('leaves V8 alone when the operator sets one of its flags', async () => {
    const { starting } = await phases(['--semi-space-growth-factor=2']);
    expect(starting.young).toBeGreaterThan(2 * MiB);
    expect(starting.turbofanned).toBe(true);
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
