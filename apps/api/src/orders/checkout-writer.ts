import type { EntityManager } from 'typeorm';

import type { JobStatement } from '../jobs/job-queue.js';
import type { StatementClaim } from './idempotency.service.js';
import type { NewOrder, StockLine } from './order.repository.js';

export interface CheckoutWrite {
  /** Taken in the same statement (or already held: `owner`). */
  claim: StatementClaim;
  /** The cart the order is made from, closed only if still at this version. */
  cart: { id: string; version: string };
  /** With its ids and its PaymentIntent, made before. */
  order: NewOrder;
  /** The "order placed" mail, written by the same statement. */
  mail: JobStatement;
  /**
   * The reply, stored under the key by the same statement. Its order's
   * `createdAt` and first history `at` are set there to the order's own
   * time, and its lines put in the order an order's view lists them in.
   */
  reply: { status: number; body: string };
}

export type CheckoutWriteOutcome =
  /**
   * Committed: key claimed (by `owner`) with the reply stored, cart closed,
   * order written with its intent, stock reserved, mail enqueued.
   */
  | { kind: 'placed'; owner: string; reply: unknown }
  /** Nothing written: another request holds the key. */
  | { kind: 'key-held-elsewhere' }
  /** Nothing written: the cart changed or closed since it was read. */
  | { kind: 'cart-changed' }
  /** Nothing written: these variants' products were archived after the cart was read (sorted by id). */
  | { kind: 'archived'; variantIds: string[] }
  /** Nothing written: a variant had too little stock. */
  | { kind: 'short' }
  /** Nothing written: an order already holds this key (an earlier attempt made it). */
  | { kind: 'order-exists' }
  /** Nothing written: the buyer's account was disabled after the request was let in. */
  | { kind: 'account-disabled' };

/**
 * The whole of a checkout's writes as one step: claim the Idempotency-Key
 * with the reply, close the cart if unchanged since it was read, write the
 * order with its PaymentIntent, reserve the stock and enqueue the mail. One
 * statement, so one transaction and one commit with no client round trip
 * inside it: the variant rows every buyer of a product contends for are
 * locked only while the database itself works, never while a busy API
 * process gets round to sending COMMIT. Either all of it is written or none.
 */
export abstract class CheckoutWriter {
  /**
   * On the manager's connection (its own statement, never in an open
   * transaction); tells the mail's queue once committed.
   */
  abstract write(input: CheckoutWrite, manager?: EntityManager): Promise<CheckoutWriteOutcome>;
  /** Of these lines, the variants that have too little stock now. */
  abstract shortVariants(lines: StockLine[], manager?: EntityManager): Promise<string[]>;
}
