// `npm run start:prod`: a primary that supervises (cluster-primary.ts) and
// workers that serve HTTP (main.js). Each loads its modules after V8's
// start-up policy is set (see main.ts); the primary, which never serves,
// keeps that memory-first policy for good.
import './infrastructure/runtime/start-heap-policy.js';
// Before the modules load: a stop signal while starting must not kill the
// process half-way (see stop-signal.ts).
import './infrastructure/lifecycle/stop-signal.js';

import cluster from 'node:cluster';

await import(cluster.isPrimary ? './cluster-primary.js' : './main.js');
