import { setFlagsFromString } from 'node:v8';

/**
 * V8 settings for the two phases of a long-lived process: starting, then
 * serving. Evaluated by the entry points (main.ts, worker.ts) before they
 * load the application, and switched by `useServingHeapPolicy()` once the
 * process serves.
 *
 * Starting (loading ~1,500 modules, decorators, dependency injection, TypeORM
 * metadata) allocates tens of MiB that die young and runs a lot of code once.
 * With V8's defaults that left an idle API at ~157 MiB resident: a young
 * generation grown to its 2 x 16 MiB maximum, half-empty old-space pages,
 * and the optimizing compilers' output and working memory for code that
 * never runs again. All of it stayed committed until V8's memory reducer ran
 * 20-60 s later. While starting we therefore ask V8 to
 * - favour memory in its collector (optimize-for-size: slower heap growth,
 *   compacting collections) and not grow the young generation (factor 1);
 * - interpret only: no Sparkplug baseline code and no TurboFan.
 * Once serving, V8's defaults return, so a loaded process grows its young
 * generation and optimizes hot code as usual. (Keeping the young generation
 * small for good, --max-semi-space-size=1, cost 10-50 % of the cached product
 * list's throughput: objects of in-flight requests were promoted and left to
 * full collections.) Measured on the bench's idle API: ~157 -> ~115 MiB
 * resident, the same throughput, start-up CPU +10-15 %.
 *
 * All four are heuristics V8 reads each time it decides (grow, collect, tier
 * up), not heap layout, which is what makes switching them at run time with
 * `v8.setFlagsFromString` safe; test/memory-settings.e2e-spec.ts checks that
 * this Node honours them. Flags an operator sets on the command line or in
 * NODE_OPTIONS are left alone.
 */
const STARTING = [
  '--optimize-for-size',
  '--semi-space-growth-factor=1',
  '--no-sparkplug',
  '--no-turbofan',
];
// V8's defaults in Node 20 (V8 11.3).
const SERVING = [
  '--no-optimize-for-size',
  '--semi-space-growth-factor=2',
  '--sparkplug',
  '--turbofan',
];

const OPERATOR_FLAG =
  /^--(no-)?(optimize[-_]for[-_]size|semi[-_]space[-_]growth|sparkplug|turbofan|opt)\b/;

function operatorSetsFlags(): boolean {
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  return given.some((arg) => OPERATOR_FLAG.test(arg));
}

const managed = !operatorSetsFlags();
if (managed) for (const flag of STARTING) setFlagsFromString(flag);

/** Call once the process serves (the HTTP server listens, the job worker runs). */
export function useServingHeapPolicy(): void {
  if (managed) for (const flag of SERVING) setFlagsFromString(flag);
}
