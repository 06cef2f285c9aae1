// The job worker process (run-jobs.ts). V8's start-up policy is set before the
// application's modules are loaded, hence the dynamic import.
import './infrastructure/runtime/start-heap-policy.js';

await import('./run-jobs.js');
