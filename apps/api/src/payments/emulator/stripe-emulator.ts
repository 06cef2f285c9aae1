import { timingSafeEqual } from 'node:crypto';

import Fastify, { type FastifyInstance } from 'fastify';
import qs from 'qs';

import { loadStripeSdk } from '../stripe/stripe-sdk.js';
import {
  type EmulatedObject,
  EmulatorError,
  EmulatorStore,
  newId,
  type Params,
} from './emulator-store.js';
import { UndeliveredEvents } from './undelivered-events.js';
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

/** One API request as the emulator sees it, from either transport. */
export interface EmulatorRequest {
  method: string;
  /** Path and query string. */
  url: string;
  /** Names in lower case, as Node gives them. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The raw body: form-encoded, as the SDK sends it, or JSON (control routes). */
  body: string;
}

export interface EmulatorReply {
  status: number;
  headers: Record<string, string>;
  /** Serialised as JSON by the transport. */
  body: unknown;
}

interface Route {
  method: string;
  path: RegExp;
  answer(request: EmulatorRequest, params: (string | undefined)[]): Promise<EmulatorReply>;
}

const ok = (body: unknown): EmulatorReply => ({ status: 200, headers: {}, body });

function headerOf(headers: EmulatorRequest['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Stripe's bracket notation (metadata[orderId]=..., expand[]=...) as the
 * SDK sends it; JSON for the control routes. Anything else is a 400, as
 * Stripe answers a body it cannot read.
 */
function parseBody(request: EmulatorRequest): Params {
  if (request.body === '') return {};
  const type = (headerOf(request.headers, 'content-type') ?? '').split(';', 1)[0]?.trim();
  if (type === 'application/x-www-form-urlencoded') {
    return qs.parse(request.body, { depth: 5, arrayLimit: 100 }) as Params;
  }
  if (type === 'application/json') {
    try {
      const parsed: unknown = JSON.parse(request.body);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
        return parsed as Params;
      }
    } catch {
      // answered below
    }
    throw new EmulatorError(400, 'invalid_request_error', 'Invalid JSON body.');
  }
  throw new EmulatorError(400, 'invalid_request_error', `Unsupported content type ${type ?? ''}.`);
}

/** What a client sees of a server that is gone: the socket error Node would give it. */
function connectionRefused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED (the Stripe emulator is closed)'), {
    code: 'ECONNREFUSED',
  });
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
  private readonly undelivered = new UndeliveredEvents();
  /** Replies by idempotency key, as Stripe keeps them (for 24 h there; here for the process). */
  private readonly idempotent = new Map<string, StoredReply>();
  /** Paths whose next write fails with a 500 (failNextWrite), and whether its work is done first. */
  private readonly failingWrites = new Map<string, { afterWork: boolean }>();
  private listeningPort = 0;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly options: StripeEmulatorOptions,
    /** The SDK's API version, which the events it emits carry. */
    private readonly apiVersion: string,
  ) {
    this.webhookUrl = options.webhookUrl;
    this.dispatcher = new WebhookDispatcher({
      url: () => this.webhookUrl,
      secret: options.webhookSecret,
      retryDelaysMs: options.retryDelaysMs ?? [250, 1_000, 4_000, 15_000],
      ...(options.onDeliveryFailed ? { onGiveUp: options.onDeliveryFailed } : {}),
    });
    this.server = Fastify({ logger: false });
    this.listen();
  }

  static async start(options: StripeEmulatorOptions): Promise<StripeEmulator> {
    const emulator = new StripeEmulator(options, (await loadStripeSdk()).API_VERSION);
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

  /**
   * Fails a refund after the fact, as a bank refusing it does, and sends
   * Stripe's events for it: `charge.refund.updated`, `refund.updated` and
   * `refund.failed`.
   */
  failRefund(refundId: string): EmulatedEvent[] {
    const { refund } = this.store.failRefund(refundId);
    return [
      this.emit('charge.refund.updated', refund),
      this.emit('refund.updated', refund),
      this.emit('refund.failed', refund),
    ];
  }

  /**
   * Cancels a refund, as Stripe does to one that waited for the customer's
   * action, and sends Stripe's events for it: `charge.refund.updated` and
   * `refund.updated` (no `refund.failed`: it did not fail).
   */
  cancelRefund(refundId: string): EmulatedEvent[] {
    const { refund } = this.store.cancelRefund(refundId);
    return [this.emit('charge.refund.updated', refund), this.emit('refund.updated', refund)];
  }

  /** A customer disputes the intent's payment with their bank: `charge.dispute.created` follows. */
  openDispute(
    paymentIntentId: string,
    options: { reason?: unknown; amount?: unknown } = {},
  ): EmulatedEvent {
    // Checked by the store as Stripe checks a form body (amounts as text).
    const dispute = this.store.openDispute(paymentIntentId, {
      ...(options.reason !== undefined ? { reason: options.reason } : {}),
      ...(options.amount !== undefined ? { amount: String(options.amount) } : {}),
    });
    return this.emit('charge.dispute.created', dispute);
  }

  /** The bank decides the dispute: `charge.dispute.closed` follows, with status won or lost. */
  closeDispute(disputeId: string, outcome: 'won' | 'lost'): EmulatedEvent {
    return this.emit('charge.dispute.closed', this.store.closeDispute(disputeId, outcome));
  }

  /**
   * Sends Stripe's `payment_intent.created` for an intent: an event of a type
   * the shop does not act on, as Stripe sends to an endpoint that asked for
   * every type, or for another endpoint of the account. Only when asked:
   * checkout has no use for it.
   */
  announceIntent(paymentIntentId: string): EmulatedEvent {
    return this.emit('payment_intent.created', this.store.retrieveIntent(paymentIntentId));
  }

  /**
   * The next POST to `path` (`/v1/refunds`) fails with a 500, as Stripe's
   * servers do now and then. Stripe keeps an answer once the endpoint began
   * executing, a 500 included, and replays it to every retry under the
   * same idempotency key for 24 hours; so does this. `afterWork`: the
   * request did its work first (the refund is made, its events sent) and
   * failed after it; otherwise nothing was made.
   */
  failNextWrite(path: string, options: { afterWork: boolean }): void {
    this.failingWrites.set(path, options);
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
      api_version: this.apiVersion,
      created: Math.floor(Date.now() / 1000),
      // A snapshot: later changes to the object must not alter a sent event.
      data: { object: structuredClone(object) },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: idempotencyKey },
      type,
    };
    this.dispatcher.send(event);
    const delivery = this.dispatcher.delivery(event.id);
    if (delivery) this.undelivered.add(event, delivery);
    return event;
  }

  /**
   * Answers one API request, whatever carried it: the HTTP server, or the
   * SDK client of the process hosting the emulator (see
   * InProcessStripeHttpClient), which so skips two HTTP stacks and a socket.
   */
  async handle(request: EmulatorRequest): Promise<EmulatorReply> {
    if (this.closing) throw connectionRefused();
    try {
      const failure = this.authenticate(headerOf(request.headers, 'authorization'));
      if (failure) return { status: 401, headers: {}, body: failure.toJSON() };
      const path = request.url.split('?', 1)[0] ?? '';
      for (const route of this.routes) {
        const match = route.method === request.method ? route.path.exec(path) : null;
        if (match) return await route.answer(request, match.slice(1));
      }
      return {
        status: 404,
        headers: {},
        body: new EmulatorError(
          404,
          'invalid_request_error',
          `Unrecognized request URL (${request.method}: ${request.url}). The local Stripe emulator supports payment_intents, refunds, charges and disputes only.`,
        ).toJSON(),
      };
    } catch (error) {
      const e =
        error instanceof EmulatorError
          ? error
          : new EmulatorError(500, 'api_error', 'An unexpected error occurred in the emulator.');
      return { status: e.status, headers: {}, body: e.toJSON() };
    }
  }

  private readonly routes: readonly Route[] = [
    {
      method: 'POST',
      path: /^\/v1\/payment_intents$/,
      answer: (req) => this.write(req, (p) => ({ status: 200, body: this.store.createIntent(p) })),
    },
    {
      method: 'GET',
      path: /^\/v1\/payment_intents\/([^/]+)$/,
      answer: async (_req, [id]) => ok(this.store.retrieveIntent(id ?? '')),
    },
    {
      method: 'POST',
      path: /^\/v1\/payment_intents\/([^/]+)\/cancel$/,
      answer: (req, [id]) =>
        this.write(req, (p, key) => {
          const intent = this.store.cancelIntent(id ?? '', p);
          this.emit('payment_intent.canceled', intent, key);
          return { status: 200, body: intent };
        }),
    },
    {
      method: 'POST',
      path: /^\/v1\/refunds$/,
      answer: (req) =>
        this.write(req, (p, key) => {
          const { refund, charge } = this.store.createRefund(p);
          this.emit('charge.refunded', charge, key);
          return { status: 200, body: refund };
        }),
    },
    {
      method: 'GET',
      path: /^\/v1\/refunds$/,
      answer: async (req) =>
        ok(this.store.listRefunds(qs.parse(req.url.split('?')[1] ?? '', { depth: 2 }) as Params)),
    },
    {
      method: 'GET',
      path: /^\/v1\/refunds\/([^/]+)$/,
      answer: async (_req, [id]) => ok(this.store.retrieveRefund(id ?? '')),
    },
    {
      method: 'GET',
      path: /^\/v1\/charges\/([^/]+)$/,
      answer: async (_req, [id]) => ok(this.store.retrieveCharge(id ?? '')),
    },
    {
      method: 'GET',
      path: /^\/v1\/disputes\/([^/]+)$/,
      answer: async (_req, [id]) => ok(this.store.retrieveDispute(id ?? '')),
    },
    {
      method: 'GET',
      path: /^\/v1\/events$/,
      answer: async (req) =>
        ok(this.undelivered.list(qs.parse(req.url.split('?')[1] ?? '', { depth: 2 }) as Params)),
    },
    {
      method: 'POST',
      path: /^\/_emulator\/payment_intents\/([^/]+)\/simulate$/,
      answer: async (req, [id]) => {
        const outcome = parseBody(req).outcome;
        if (outcome !== 'succeeded' && outcome !== 'failed') {
          throw new EmulatorError(
            400,
            'invalid_request_error',
            'outcome must be succeeded or failed',
            'parameter_invalid_string',
            'outcome',
          );
        }
        const event = this.simulate(id ?? '', outcome);
        return ok({ event: { id: event.id, type: event.type }, payment_intent: event.data.object });
      },
    },
    {
      method: 'POST',
      path: /^\/_emulator\/refunds\/([^/]+)\/(fail|cancel)$/,
      answer: async (_req, [id, action]) => {
        const events = action === 'fail' ? this.failRefund(id ?? '') : this.cancelRefund(id ?? '');
        return ok({
          events: events.map((e) => ({ id: e.id, type: e.type })),
          refund: this.store.retrieveRefund(id ?? ''),
        });
      },
    },
    {
      method: 'POST',
      path: /^\/_emulator\/payment_intents\/([^/]+)\/dispute$/,
      answer: async (req, [id]) => {
        const { reason, amount } = parseBody(req);
        const event = this.openDispute(id ?? '', { reason, amount });
        return ok({ event: { id: event.id, type: event.type }, dispute: event.data.object });
      },
    },
    {
      method: 'POST',
      path: /^\/_emulator\/disputes\/([^/]+)\/close$/,
      answer: async (req, [id]) => {
        const outcome = parseBody(req).outcome;
        if (outcome !== 'won' && outcome !== 'lost') {
          throw new EmulatorError(
            400,
            'invalid_request_error',
            'outcome must be won or lost',
            'parameter_invalid_string',
            'outcome',
          );
        }
        const event = this.closeDispute(id ?? '', outcome);
        return ok({ event: { id: event.id, type: event.type }, dispute: event.data.object });
      },
    },
  ];

  /** The HTTP face: every request, body as text, goes to `handle`. */
  private listen(): void {
    const s = this.server;
    s.removeAllContentTypeParsers();
    s.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    s.all('*', async (request, reply) => {
      const answer = await this.handle({
        method: request.method,
        url: request.url,
        headers: request.headers,
        body: typeof request.body === 'string' ? request.body : '',
      });
      return reply.status(answer.status).headers(answer.headers).send(answer.body);
    });
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
   * (success, 4xx, or a 500 made by failNextWrite) is stored and replayed
   * for the same request; the same key with other parameters is an
   * `idempotency_error`.
   */
  private async write(
    request: EmulatorRequest,
    work: (params: Params, idempotencyKey: string | null) => Outcome,
  ): Promise<EmulatorReply> {
    const params = parseBody(request);
    const header = headerOf(request.headers, 'idempotency-key');
    const key = header !== undefined && header !== '' ? header : null;
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
          return { status: error.status, headers: {}, body: error.toJSON() };
        }
        return {
          status: stored.status,
          headers: { 'Idempotent-Replayed': 'true' },
          body: stored.body,
        };
      }
    }
    const path = request.url.split('?', 1)[0] ?? '';
    const failure = this.failingWrites.get(path);
    this.failingWrites.delete(path);
    let outcome: Outcome | undefined;
    if (!failure || failure.afterWork) {
      try {
        outcome = work(params, key);
      } catch (error) {
        if (!(error instanceof EmulatorError) || error.status >= 500) throw error;
        outcome = { status: error.status, body: error.toJSON() };
      }
    }
    if (failure || !outcome) {
      const error = new EmulatorError(500, 'api_error', 'An unknown error occurred.');
      outcome = { status: error.status, body: error.toJSON() };
    }
    // The stored body is a snapshot, like Stripe's stored response.
    if (key) {
      this.idempotent.set(key, {
        fingerprint,
        status: outcome.status,
        body: structuredClone(outcome.body),
      });
    }
    return {
      status: outcome.status,
      headers: key ? { 'Idempotency-Key': key } : {},
      body: outcome.body,
    };
  }
}
