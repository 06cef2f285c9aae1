import type { EntityManager } from 'typeorm';

import type { JobStatement } from '../jobs/job-queue.js';
import type { StatementClaim, StatementCompletion } from './idempotency.service.js';
import type { NewOrder, OrderView, StockLine } from './order.repository.js';

export interface CheckoutWrite {
  /** Taken in the same statement (or already held: `owner`). */
  claim: StatementClaim;
  /** The cart the order is made from, closed only if still at this version. */
  cart: { id: string; version: string };
  order: NewOrder;
}

export type CheckoutWriteOutcome =
  /** Committed: key claimed (by `owner`), cart closed, order written, stock reserved. */
  | { kind: 'placed'; owner: string; order: OrderView; buyerEmail: string }
  /** Nothing written: another request holds the key. */
  | { kind: 'key-held-elsewhere' }
  /**
   * The cart changed or closed since it was read: nothing written, but for
   * the claim when this write took it (`owner`; the key is then held).
   */
  | { kind: 'cart-changed'; owner: string | null }
  /**
   * Nothing written, not even the claim: these variants' products were
   * archived after the cart was read (sorted by id).
   */
  | { kind: 'archived'; variantIds: string[] }
  /** Nothing written: a variant had too little stock. */
  | { kind: 'short' }
  /** Nothing written: an order already holds this key (an earlier attempt made it). */
  | { kind: 'order-exists' };

export interface CheckoutFinish {
  orderId: string;
  paymentIntentId: string;
  /** The "order placed" mail, written by the same statement. */
  mail: JobStatement;
  /** The reply, stored under the key by the same statement. */
  completion: StatementCompletion;
}

export interface CheckoutFinished {
  /** False when the order had an intent already (a resumed request stored it first). */
  attached: boolean;
  /** The reply's body as stored; undefined when the key's row is gone. */
  reply: unknown;
}

/**
 * The checkout's writes as one step: claim the Idempotency-Key, close the
 * cart if unchanged since it was read, reserve the stock and write the
 * order. One statement, so one transaction with no client round trip
 * inside it: the variant rows every buyer of a product contends for are
 * locked only while the database itself works, never while a busy API
 * process gets round to sending COMMIT.
 */
export abstract class CheckoutWriter {
  /** On the manager's connection (its own statement, never in an open transaction). */
  abstract write(input: CheckoutWrite, manager?: EntityManager): Promise<CheckoutWriteOutcome>;
  /**
   * After the PaymentIntent is made: store its id on the order (unless it
   * has one), enqueue the mail and store the reply, in one statement (so one
   * transaction with no round trip inside it), on the manager's connection
   * and never in an open transaction; tells the mail's queue once committed.
   */
  abstract finish(input: CheckoutFinish, manager?: EntityManager): Promise<CheckoutFinished>;
  /** Of these lines, the variants that have too little stock now. */
  abstract shortVariants(lines: StockLine[], manager?: EntityManager): Promise<string[]>;
}
