import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import { performance } from 'node:perf_hooks';

import { PROBLEM_CONTENT_TYPE } from '@minishop/contracts';
import { Logger } from '@nestjs/common';
import type { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';

import { acceptsJson } from './accept.js';
import type { ClientIp } from './client-ip.js';
import type { CorsPolicy } from './cors.js';
import { fastifyOf } from './fastify-of.js';
import { appendHeaders, type HeaderList } from './header-list.js';
import { closeConnectionsOnceIdle } from './idle-connections.js';
import { problem } from './problem.js';
import { declaresBody } from './request-body.js';
import { requestIdOf } from './request-id.js';
import type { RateLimitVerdict, RequestRateLimit } from './request-rate-limit.js';
import { securityHeadersFor } from './security-headers.js';

/** A reply a feature gives to a request before it reaches Fastify. */
export interface FrontDoorReply {
  /** The route template it answers for: its label in the HTTP metrics. */
  route: string;
  status: number;
  /** Its own headers, Content-Length included; the front door adds the common ones. */
  headers: HeaderList;
  body: Buffer | undefined;
}

/**
 * What a feature answers: a reply, undefined to let Fastify route the
 * request, or a promise of either when the reply needs I/O (a lookup in a
 * shared cache). A promise that rejects, or is not settled within
 * `answerTimeoutMs`, counts as undefined.
 */
export type FrontDoorAnswer = FrontDoorReply | Promise<FrontDoorReply | undefined> | undefined;

/** Gives the answer to `req`. Called for every GET: a synchronous answer must be cheap. */
export type FrontDoorAnswerer = (req: IncomingMessage) => FrontDoorAnswer;

/** Told of every reply the front door sent, as Fastify's onResponse hooks are of theirs. */
export type FrontDoorObserver = (
  method: string,
  route: string,
  status: number,
  seconds: number,
) => void;

export interface FrontDoorOptions {
  cors: CorsPolicy;
  rateLimit: RequestRateLimit;
  clientIp: ClientIp;
  /** How long an asynchronous answer is waited for before Fastify gets the request. */
  answerTimeoutMs: number;
  requestTimeoutMs: number;
  connectionTimeoutMs: number;
  connectionsCheckingIntervalMs: number;
}

// Fastify's default, kept: it outlives the usual proxies' idle timeouts.
const KEEP_ALIVE_TIMEOUT_MS = 72_000;

const doors = new WeakMap<FastifyInstance, FrontDoor>();

const refusals = new Logger('Http');

/**
 * The HTTP server in front of Fastify. A request a feature can answer from
 * memory or with one cheap lookup (a catalog cache hit, near or in Redis) is
 * answered here, before Fastify builds its request and reply objects,
 * routes, and runs its hooks: on the hottest read of the shop those cost
 * several times the answer itself. Every other request goes to Fastify
 * untouched.
 *
 * A reply sent here carries what a reply sent by Fastify does, from the same
 * code: the request id and security headers, CORS, the client's rate-limit
 * budget (a client over it is handed to Fastify, which refuses it with the
 * usual problem reply), and an observation in the HTTP metrics. Only GETs
 * without a body are candidates. Once the server is closing, every new
 * request is refused here (503 problem, Retry-After, Connection: close), as
 * is an HTTP/1.1 request without a Host. Every answer here is JSON: a request whose
 * Accept rules JSON out goes to Fastify, which refuses it (406).
 *
 * An answer may also come later (a hit found in Redis only). Handing the
 * request to Fastify after that wait is safe: Node emitted it with its
 * response already queued in order on the connection (a pipelined request
 * behind it waits its turn), and a GET without a body has nothing in its
 * stream for anyone to read or lose. A wait never ends in a reply of its
 * own: a failed, missing or late answer sends the request to Fastify; a
 * close that began during the wait refuses it (503). A client that left during the
 * wait gets nothing, and nothing is routed for it.
 */
export class FrontDoor {
  private readonly answerers: FrontDoorAnswerer[] = [];
  private readonly observers: FrontDoorObserver[] = [];
  private closing = false;

  constructor(private readonly options: FrontDoorOptions) {}

  /** The door of the Fastify instance made by `createAdapter`, if it has one. */
  static of(fastify: FastifyInstance): FrontDoor | undefined {
    return doors.get(fastify);
  }

  /** The app's door; undefined where there is no HTTP server (the CLI, the worker). */
  static ofApp(host: HttpAdapterHost): FrontDoor | undefined {
    const fastify = fastifyOf(host);
    return fastify && doors.get(fastify);
  }

  /** Fastify's `serverFactory`: the server, with the timeouts Fastify would have set on its own. */
  server(handler: RequestListener): Server {
    const { requestTimeoutMs, connectionTimeoutMs, connectionsCheckingIntervalMs } = this.options;
    const server = createServer(
      // Node's own refusal of a missing Host is a bare 400: handle() refuses
      // it instead, as every other refusal is made.
      { connectionsCheckingInterval: connectionsCheckingIntervalMs, requireHostHeader: false },
      (req, res) => this.handle(req, res, handler),
    );
    server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
    server.requestTimeout = requestTimeoutMs;
    server.setTimeout(connectionTimeoutMs);
    return server;
  }

  /** Makes this the door of `fastify`, where features find it (`FrontDoor.of`). */
  attach(fastify: FastifyInstance): void {
    doors.set(fastify, this);
    // From the start of a close every new request is refused here (503,
    // see handle). The requests already in flight are answered as usual,
    // with Connection: close: their connections must not then keep the
    // close waiting, nor be reused for a request the drain would refuse.
    fastify.addHook('preClose', (done) => {
      this.closing = true;
      closeConnectionsOnceIdle(fastify.server);
      done();
    });
    fastify.addHook('onSend', (_request, reply, payload, done) => {
      if (this.closing) void reply.header('Connection', 'close');
      done(null, payload);
    });
  }

  answer(answerer: FrontDoorAnswerer): void {
    this.answerers.push(answerer);
  }

  observe(observer: FrontDoorObserver): void {
    this.observers.push(observer);
  }

  private handle(req: IncomingMessage, res: ServerResponse, fastify: RequestListener): void {
    if (this.closing) return this.shed(req, res);
    if (req.headers.host === undefined && req.httpVersion === '1.1') {
      const now = performance.now();
      return this.refuse(
        req,
        res,
        now,
        400,
        'bad-request',
        'An HTTP/1.1 request needs a Host header',
      );
    }
    if (req.method !== 'GET' || declaresBody(req.headers) || !acceptsJson(req.headers.accept))
      return fastify(req, res);
    const started = performance.now();
    const answer = this.answerTo(req);
    if (!answer) return fastify(req, res);
    const { rateLimit, clientIp } = this.options;
    const charge = rateLimit.applies(req.url ?? '/')
      ? rateLimit.charge(req, clientIp(req))
      : undefined;
    if (!charge && !(answer instanceof Promise)) {
      this.send(req, res, answer, started);
      return;
    }
    void this.answerLater(req, res, fastify, answer, charge, started);
  }

  /** Answers once the client's budget is charged and the answer is in. */
  private async answerLater(
    req: IncomingMessage,
    res: ServerResponse,
    fastify: RequestListener,
    answer: FrontDoorReply | Promise<FrontDoorReply | undefined>,
    charge: Promise<RateLimitVerdict> | undefined,
    started: number,
  ): Promise<void> {
    // Bounded and settled from here on, whatever happens to the charge.
    const pending = answer instanceof Promise ? this.bounded(answer) : answer;
    let verdict: RateLimitVerdict | undefined;
    try {
      verdict = await charge;
    } catch {
      return fastify(req, res);
    }
    // Refused: Fastify's hook finds this verdict and answers 429.
    if (verdict && !verdict.allowed) return fastify(req, res);
    const reply = await pending;
    if (req.destroyed || res.destroyed) return;
    if (this.closing) return this.shed(req, res, started);
    if (!reply) return fastify(req, res);
    this.send(
      req,
      res,
      reply,
      started,
      verdict && this.options.rateLimit.headersFor(verdict.state),
    );
  }

  /** `answer`'s reply, or undefined once it fails or `answerTimeoutMs` has passed. */
  private bounded(
    answer: Promise<FrontDoorReply | undefined>,
  ): Promise<FrontDoorReply | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, this.options.answerTimeoutMs, undefined);
      const settle = (reply: FrontDoorReply | undefined) => {
        clearTimeout(timer);
        resolve(reply);
      };
      answer.then(settle, () => settle(undefined));
    });
  }

  private answerTo(req: IncomingMessage): FrontDoorAnswer {
    try {
      for (const answer of this.answerers) {
        const reply = answer(req);
        if (reply) return reply;
      }
    } catch {
      // An exception here would end the process (no framework catches it).
      // The request goes the usual way, whose error handling and logs then
      // show the fault if it is not particular to this shortcut.
    }
    return undefined;
  }

  /** A request that came after the close began: another instance should take it. */
  private shed(req: IncomingMessage, res: ServerResponse, started = performance.now()): void {
    this.refuse(req, res, started, 503, 'unavailable', 'The server is shutting down; try again', [
      'Retry-After',
      '5',
    ]);
  }

  /**
   * A problem reply made here, with what Fastify's replies carry (request
   * id, security and CORS headers), that ends the connection: Fastify's own
   * refusals in these cases had a body of another shape and none of those.
   */
  private refuse(
    req: IncomingMessage,
    res: ServerResponse,
    /** When the request came in, for the log line's response time. */
    started: number,
    status: number,
    type: string,
    detail: string,
    headers: HeaderList = [],
  ): void {
    const url = req.url ?? '/';
    const body = Buffer.from(
      JSON.stringify(problem({ status, type, detail, instance: url.split('?')[0] ?? '' })),
    );
    const reply: FrontDoorReply = {
      route: 'unmatched',
      status,
      headers: [
        'Content-Type',
        PROBLEM_CONTENT_TYPE,
        'Content-Length',
        String(body.length),
        'Connection',
        'close',
        ...headers,
      ],
      body,
    };
    const id = this.send(req, res, reply, started);
    // Fastify never saw the request, so neither did the request log:
    // the same line pino-http writes, with the id sent back.
    refusals.log(
      {
        req: { id, method: req.method, url },
        res,
        responseTime: Math.round(performance.now() - started),
      },
      'request completed',
    );
  }

  private send(
    req: IncomingMessage,
    res: ServerResponse,
    reply: FrontDoorReply,
    started: number,
    budget?: HeaderList,
  ): string {
    // The headers Fastify's hooks set, in their order, as one list: a
    // single writeHead costs far less than a setHeader per header.
    const id = requestIdOf(req.headers);
    const head = ['X-Request-Id', id];
    appendHeaders(head, securityHeadersFor(req.url ?? '/'));
    appendHeaders(head, this.options.cors.headersFor(req.headers.origin));
    if (budget) appendHeaders(head, budget);
    appendHeaders(head, reply.headers);
    res.writeHead(reply.status, head);
    res.end(reply.body);
    const seconds = (performance.now() - started) / 1000;
    const method = req.method ?? 'GET';
    for (const observe of this.observers) observe(method, reply.route, reply.status, seconds);
    return id;
  }
}
