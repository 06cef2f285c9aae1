import type Stripe from 'stripe';

type StripeSdk = typeof Stripe;

let loading: Promise<StripeSdk> | undefined;
let loaded: StripeSdk | undefined;

/**
 * The Stripe SDK, imported with the first payment call, webhook or emulator
 * start rather than with every process: its ~250 modules are ~4 MB of heap
 * (~10 MB resident) that an API or worker process which has not paid yet,
 * or never will, would carry for nothing.
 */
export function loadStripeSdk(): Promise<StripeSdk> {
  return (loading ??= import('stripe').then(
    (module) => (loaded = module.default),
    (error: unknown) => {
      // Not kept: a failed load (a file limit hit under load) is tried again.
      loading = undefined;
      throw error;
    },
  ));
}

/** Whether anything has loaded the SDK in this process yet. */
export function stripeSdkLoaded(): boolean {
  return loaded !== undefined;
}
