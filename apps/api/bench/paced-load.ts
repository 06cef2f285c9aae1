import { Agent, request as httpRequest } from 'node:http';

import * as hdr from 'hdr-histogram-js';

import type { BenchRequest } from './scenario.js';

export interface PacedResult {
  /** Requests answered (any status). */
  total: number;
  /** Seconds from the first scheduled send to the last reply. */
  durationS: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
}

/**
 * Open-loop load at a fixed rate: request i is due at start + i / rate and
 * is sent then, whether or not earlier ones have been answered, and its
 * latency counts from when it was due (so a server that falls behind shows
 * it, rather than slowing the sender down: no coordinated omission).
 *
 * autocannon's overallRate cannot measure this: each connection sends its
 * share of the second back to back as soon as the second starts, and all
 * connections start together, so "500 req/s" arrives as one burst of a
 * whole second's requests, and latency measures the burst draining.
 */
export async function pacedLoad(options: {
  url: string;
  rate: number;
  amount: number;
  requests: BenchRequest[];
  /** Connections kept open at most; a request due while all are busy waits (and that counts). */
  connections: number;
  timeoutMs?: number;
}): Promise<PacedResult> {
  const { rate, amount, requests } = options;
  const base = new URL(options.url);
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000 });
  const interval = 1000 / rate;
  let errors = 0;
  let non2xx = 0;
  let answered = 0;
  let lastReply = 0;

  const send = (i: number, dueAt: number) =>
    new Promise<void>((done) => {
      // Each request runs the scenario's rounds in turn, with its own context.
      const shape = requests[i % requests.length]!;
      const context = {};
      const req =
        typeof shape.setupRequest === 'function'
          ? shape.setupRequest({ ...shape }, context)
          : shape;
      const body = typeof req.body === 'string' ? req.body : undefined;
      const finish = (status: number | undefined, text: string) => {
        const now = performance.now();
        if (status === undefined) errors++;
        else {
          if (status < 200 || status > 299) non2xx++;
          histogram.recordValue(Math.max(1, Math.round(now - dueAt)));
          if (typeof req.onResponse === 'function')
            req.onResponse(status, text, context, undefined);
        }
        answered++;
        lastReply = now;
        done();
      };
      const outgoing = httpRequest(
        {
          agent,
          host: base.hostname,
          port: base.port,
          method: req.method ?? 'GET',
          path: req.path ?? '/',
          headers: {
            ...(req.headers as Record<string, string> | undefined),
            ...(body ? { 'content-length': Buffer.byteLength(body) } : {}),
          },
          timeout: options.timeoutMs ?? 10_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => finish(res.statusCode, Buffer.concat(chunks).toString('utf8')));
          res.on('error', () => finish(undefined, ''));
        },
      );
      outgoing.on('timeout', () => outgoing.destroy(new Error('timeout')));
      outgoing.on('error', () => finish(undefined, ''));
      outgoing.end(body);
    });

  const start = performance.now();
  const inFlight: Promise<void>[] = [];
  let next = 0;
  await new Promise<void>((allSent) => {
    const tick = () => {
      const now = performance.now();
      // Everything due by now goes out now; a late timer sends a few at once
      // but each keeps its own due time.
      while (next < amount && start + next * interval <= now) {
        inFlight.push(send(next, start + next * interval));
        next++;
      }
      if (next >= amount) return allSent();
      setTimeout(tick, Math.max(0, start + next * interval - performance.now()));
    };
    tick();
  });
  await Promise.all(inFlight);
  agent.destroy();
  return {
    total: answered,
    durationS: (lastReply - start) / 1000,
    p50Ms: histogram.getValueAtPercentile(50),
    p99Ms: histogram.getValueAtPercentile(99),
    errors,
    non2xx,
  };
}
