import { setFlagsFromString } from 'node:v8';

/**
 * V8 heap settings for the two phases of a long-running process: starting,
 * then serving. Imported first by the entry points (main.ts, worker.ts), so it
 * applies before the application's modules are evaluated.
 *
 * Starting allocates tens of MiB of objects that die young (module
 * evaluation, decorators, dependency injection, TypeORM metadata). With V8's
 * defaults that grows the young generation to its 2 x 16 MiB maximum and
 * leaves old-space pages half empty, and both stay committed: an idle API sat
 * at ~157 MiB resident until V8's memory reducer ran 20-60 s later. While it
 * starts, the process therefore asks V8 to favour memory (`optimize-for-size`:
 * slower heap growth, compacting collections) and not to grow the young
 * generation (growth factor 1). Once it serves, both return to V8's defaults,
 * so under load the young generation grows as usual: keeping it small for
 * good (`--max-semi-space-size=1`) halved the throughput of cached product
 * reads, because objects of in-flight requests were promoted and collected
 * by full GCs.
 *
 * Both flags are heuristics V8 reads at each collection, not heap layout,
 * which is what makes switching them at run time (`v8.setFlagsFromString`)
 * safe. A flag the operator set on the command line or in NODE_OPTIONS is
 * left alone.
 */
const STARTING = ['--optimize-for-size', '--semi-space-growth-factor=1'];
// V8's defaults (Node 20, V8 11.3).
const SERVING = ['--no-optimize-for-size', '--semi-space-growth-factor=2'];

function operatorSetsHeapFlags(): boolean {
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  return given.some((arg) => /^--(no-)?(optimize|semi)[-_](for[-_]size|space[-_]growth)/.test(arg));
}

const managed = !operatorSetsHeapFlags();
if (managed) for (const flag of STARTING) setFlagsFromString(flag);

/** Call once the process serves (the HTTP server listens, the job worker runs). */
export function useServingHeapPolicy(): void {
  if (managed) for (const flag of SERVING) setFlagsFromString(flag);
}
