// The HTTP API process (serve-http.ts). V8's start-up policy is set before the
// application's ~1,500 modules are loaded, since loading them is most of the
// start, hence the dynamic import.
import './infrastructure/runtime/start-heap-policy.js';

await import('./serve-http.js');
