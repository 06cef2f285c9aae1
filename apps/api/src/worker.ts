// The job worker process (run-jobs.ts). V8's start-up policy is set before the
// application's modules are loaded, hence the dynamic import.
import './infrastructure/runtime/start-heap-policy.js';
// Before the modules load: a stop signal while starting must not kill the
// process half-way (see stop-signal.ts).
import './infrastructure/lifecycle/stop-signal.js';

await import('./run-jobs.js');
