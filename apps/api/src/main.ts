// The HTTP API process (serve-http.ts). V8's start-up policy is set before the
// application's ~1,500 modules are loaded, since loading them is most of the
// start, hence the dynamic import.
import './infrastructure/runtime/start-heap-policy.js';
// Before the modules load: a stop signal while starting must not kill the
// process half-way (see stop-signal.ts).
import './infrastructure/lifecycle/stop-signal.js';

await import('./serve-http.js');
