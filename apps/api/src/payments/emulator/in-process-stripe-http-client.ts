import type Stripe from 'stripe';

import type { EmulatorReply, StripeEmulator } from './stripe-emulator.js';

/**
 * The Stripe SDK's transport when the emulator runs in this very process:
 * requests go to the emulator as calls instead of over HTTP on loopback, so
 * a checkout does not pay for an HTTP client, an HTTP server and a socket
 * round trip on each side. Everything above the transport (the SDK's
 * encoding, retries, error mapping; the emulator's routing, auth and
 * idempotency) is the same code as over HTTP, and real Stripe is always
 * reached over HTTP.
 */
export function inProcessStripeHttpClient(
  Sdk: typeof Stripe,
  emulator: StripeEmulator,
): Stripe.HttpClient {
  // Classes of the SDK's, so defined once it is loaded (see stripe-sdk.ts).
  class InProcessResponse extends Sdk.HttpClientResponse {
    // The body as it would have crossed the wire: the SDK annotates what it
    // gets (lastResponse), which must never touch the emulator's own objects.
    private readonly json: string;

    constructor(private readonly reply: EmulatorReply) {
      // Header names in lower case, as Node's HTTP client hands them over.
      super(
        reply.status,
        Object.fromEntries(Object.entries(reply.headers).map(([k, v]) => [k.toLowerCase(), v])),
      );
      this.json = JSON.stringify(reply.body);
    }

    override getRawResponse(): unknown {
      return this.reply;
    }

    override toStream(): never {
      throw new Error('The in-process Stripe transport does not stream responses');
    }

    override toJSON(): Promise<unknown> {
      return Promise.resolve(JSON.parse(this.json));
    }
  }

  class InProcessStripeHttpClient extends Sdk.HttpClient {
    override getClientName(): string {
      return 'minishop-in-process';
    }

    override async makeRequest(
      _host: string,
      _port: string | number,
      path: string,
      method: string,
      headers: Record<string, string | number | string[]>,
      requestData: string | null,
    ): Promise<Stripe.HttpClientResponse> {
      const lowerCased: Record<string, string> = {};
      for (const [name, value] of Object.entries(headers)) {
        lowerCased[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
      }
      const reply = await emulator.handle({
        method,
        url: path,
        headers: lowerCased,
        body: requestData ?? '',
      });
      return new InProcessResponse(reply);
    }
  }

  return new InProcessStripeHttpClient();
}
