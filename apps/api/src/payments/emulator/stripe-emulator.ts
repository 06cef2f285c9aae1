import { timingSafeEqual } from 'node:crypto';

import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import qs from 'qs';
import Stripe from 'stripe';

import {
  type EmulatedObject,
  EmulatorError,
  EmulatorStore,
  newId,
  type Params,
} from './emulator-store.js';
import {
  type DeliveryResult,
  type EmulatedEvent,
  WebhookDispatcher,
} from './webhook-dispatcher.js';

export type SimulatedOutcome = 'succeeded' | 'failed';

export interface StripeEmulatorOptions {
  /** The secret key clients must send, as `Authorization: Bearer <key>`. */
  apiKey: string;
  webhookSecret: string;
  webhookUrl: string;
  port: number;
  host?: string;
  retryDelaysMs?: readonly number[];
  onDeliveryFailed?: (event: EmulatedEvent, result: DeliveryResult) => void;
}

interface Outcome {
  status: number;
  body: unknown;
}

interface StoredReply extends Outcome {
  fingerprint: string;
}

/**
 * A local stand-in for the part of Stripe's REST API that minishop uses
 * (PaymentIntents, refunds, charges), spoken in Stripe's own wire format so
 * the official SDK talks to it unchanged. It also plays the customer's side:
 * `simulate` pays or declines an intent and Stripe's webhook follows.
 *
 * Control routes under `/_emulator/` let another process (the CLI) drive the
 * emulator hosted by the API. All state is in memory.
 */
export class StripeEmulator {
  readonly store = new EmulatorStore();
  webhookUrl: string;
  private readonly server: FastifyInstance;
  private readonly dispatcher: WebhookDispatcher;
  /** Replies by idempotency key, as Stripe keeps them (for 24 h there; here for the process). */
  private readonly idempotent = new Map<string, StoredReply>();
  private listeningPort = 0;
  private closing: Promise<void> | undefined;

  private constructor(private readonly options: StripeEmulatorOptions) {
    this.webhookUrl = options.webhookUrl;
    this.dispatcher = new WebhookDispatcher({
      url: () => this.webhookUrl,
      secret: options.webhookSecret,
      retryDelaysMs: options.retryDelaysMs ?? [250, 1_000, 4_000, 15_000],
      ...(options.onDeliveryFailed ? { onGiveUp: options.onDeliveryFailed } : {}),
    });
    this.server = Fastify({ logger: false });
    this.routes();
  }

  static async start(options: StripeEmulatorOptions): Promise<StripeEmulator> {
    const emulator = new StripeEmulator(options);
    await emulator.server.listen({
      port: options.port,
      host: options.host ?? '127.0.0.1',
      // In a cluster worker a shared port would spread requests over several
      // emulators with different state; exclusive makes the second one fail
      // with EADDRINUSE and use the first instead.
      exclusive: true,
    });
    const address = emulator.server.server.address();
    emulator.listeningPort = typeof address === 'object' && address ? address.port : options.port;
    return emulator;
  }

  get port(): number {
    return this.listeningPort;
  }

  get baseUrl(): string {
    return `http://${this.options.host ?? '127.0.0.1'}:${this.listeningPort}`;
  }

  /** Pays or declines an intent and sends the matching webhook event (in the background). */
  simulate(paymentIntentId: string, outcome: SimulatedOutcome): EmulatedEvent {
    const { intent } = this.store.simulate(paymentIntentId, outcome);
    return this.emit(
      outcome === 'succeeded' ? 'payment_intent.succeeded' : 'payment_intent.payment_failed',
      intent,
    );
  }

  /** Settles when the event was delivered or given up on; undefined for an unknown event. */
  delivery(eventId: string): Promise<DeliveryResult> | undefined {
    return this.dispatcher.delivery(eventId);
  }

  /** Settles when every event sent so far was delivered or given up on. */
  idle(): Promise<void> {
    return this.dispatcher.idle();
  }

  /** Safe to call more than once (a test may stop it before the app does). */
  async close(): Promise<void> {
    this.dispatcher.close();
    this.closing ??= this.server.close();
    await this.closing;
  }

  private emit(
    type: string,
    object: EmulatedObject,
    idempotencyKey: string | null = null,
  ): EmulatedEvent {
    const event: EmulatedEvent = {
      id: newId('evt'),
      object: 'event',
      api_version: Stripe.API_VERSION,
      created: Math.floor(Date.now() / 1000),
      // A snapshot: later changes to the object must not alter a sent event.
      data: { object: structuredClone(object) },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: idempotencyKey },
      type,
    };
    this.dispatcher.send(event);
    return event;
  }

  private routes(): void {
    const s = this.server;
    s.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string' },
      (_req, body, done) => {
        // Stripe's bracket notation: metadata[orderId]=..., expand[]=...
        done(null, qs.parse(body as string, { depth: 5, arrayLimit: 100 }));
      },
    );
    s.addHook('onRequest', async (request, reply) => {
      const failure = this.authenticate(request.headers.authorization);
      if (failure) await reply.status(401).send(failure.toJSON());
    });
    s.setErrorHandler(async (error, _request, reply) => {
      if (error instanceof EmulatorError) return reply.status(error.status).send(error.toJSON());
      const status = (error as { statusCode?: number }).statusCode;
      if (typeof status === 'number' && status < 500) {
        return reply
          .status(400)
          .send(new EmulatorError(400, 'invalid_request_error', (error as Error).message).toJSON());
      }
      return reply
        .status(500)
        .send(
          new EmulatorError(
            500,
            'api_error',
            'An unexpected error occurred in the emulator.',
          ).toJSON(),
        );
    });
    s.setNotFoundHandler(async (request, reply) =>
      reply
        .status(404)
        .send(
          new EmulatorError(
            404,
            'invalid_request_error',
            `Unrecognized request URL (${request.method}: ${request.url}). The local Stripe emulator supports payment_intents, refunds and charges only.`,
          ).toJSON(),
        ),
    );

    s.post('/v1/payment_intents', (req, reply) =>
      this.write(req, reply, (p) => {
        const intent = this.store.createIntent(p);
        return { status: 200, body: intent };
      }),
    );
    s.get<{ Params: { id: string } }>('/v1/payment_intents/:id', async (req) =>
      this.store.retrieveIntent(req.params.id),
    );
    s.post<{ Params: { id: string } }>('/v1/payment_intents/:id/cancel', (req, reply) =>
      this.write(req, reply, (p, key) => {
        const intent = this.store.cancelIntent(req.params.id, p);
        this.emit('payment_intent.canceled', intent, key);
        return { status: 200, body: intent };
      }),
    );
    s.post('/v1/refunds', (req, reply) =>
      this.write(req, reply, (p, key) => {
        const { refund, charge } = this.store.createRefund(p);
        this.emit('charge.refunded', charge, key);
        return { status: 200, body: refund };
      }),
    );
    s.get<{ Params: { id: string } }>('/v1/refunds/:id', async (req) =>
      this.store.retrieveRefund(req.params.id),
    );
    s.get<{ Params: { id: string } }>('/v1/charges/:id', async (req) =>
      this.store.retrieveCharge(req.params.id),
    );

    s.post<{ Params: { id: string }; Body: { outcome?: unknown } }>(
      '/_emulator/payment_intents/:id/simulate',
      async (req) => {
        const outcome = req.body?.outcome;
        if (outcome !== 'succeeded' && outcome !== 'failed') {
          throw new EmulatorError(
            400,
            'invalid_request_error',
            'outcome must be succeeded or failed',
            'parameter_invalid_string',
            'outcome',
          );
        }
        const event = this.simulate(req.params.id, outcome);
        return { event: { id: event.id, type: event.type }, payment_intent: event.data.object };
      },
    );
  }

  private authenticate(header: string | undefined): EmulatorError | undefined {
    // Stripe takes the key as a Bearer token or as the user name of Basic
    // auth (`curl -u sk_test_…:`); the SDK uses Bearer.
    const [scheme, credentials] = (header ?? '').split(' ', 2);
    const key =
      scheme === 'Bearer'
        ? credentials
        : scheme === 'Basic' && credentials
          ? Buffer.from(credentials, 'base64').toString('utf8').split(':')[0]
          : undefined;
    if (!key) {
      return new EmulatorError(
        401,
        'invalid_request_error',
        'You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth.',
      );
    }
    const given = Buffer.from(key);
    const expected = Buffer.from(this.options.apiKey);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return new EmulatorError(
        401,
        'invalid_request_error',
        `Invalid API Key provided: ${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`,
      );
    }
    return undefined;
  }

  /**
   * A POST with Stripe's idempotency semantics: the first reply for a key
   * (success or 4xx) is stored and replayed for the same request; the same
   * key with other parameters is an `idempotency_error`.
   */
  private async write(
    request: FastifyRequest,
    reply: FastifyReply,
    work: (params: Params, idempotencyKey: string | null) => Outcome,
  ): Promise<FastifyReply> {
    const params = (request.body ?? {}) as Params;
    const header = request.headers['idempotency-key'];
    const key = typeof header === 'string' && header !== '' ? header : null;
    const fingerprint = `${request.method} ${request.url} ${JSON.stringify(params)}`;
    if (key) {
      const stored = this.idempotent.get(key);
      if (stored) {
        if (stored.fingerprint !== fingerprint) {
          const error = new EmulatorError(
            400,
            'idempotency_error',
            `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
          );
          return reply.status(error.status).send(error.toJSON());
        }
        return reply.status(stored.status).header('Idempotent-Replayed', 'true').send(stored.body);
      }
    }
    let outcome: Outcome;
    try {
      outcome = work(params, key);
    } catch (error) {
      if (!(error instanceof EmulatorError) || error.status >= 500) throw error;
      outcome = { status: error.status, body: error.toJSON() };
    }
    // The stored body is a snapshot, like Stripe's stored response.
    if (key)
      this.idempotent.set(key, {
        fingerprint,
        status: outcome.status,
        body: structuredClone(outcome.body),
      });
    if (key) reply.header('Idempotency-Key', key);
    return reply.status(outcome.status).send(outcome.body);
  }
}
