import { Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import { pgErrorOf } from '../../infrastructure/database/pg-errors.js';
import {
  prepared,
  type PreparedStatement,
  runPrepared,
} from '../../infrastructure/database/prepared-statement.js';
import {
  type CheckoutFinish,
  type CheckoutFinished,
  type CheckoutWrite,
  type CheckoutWriteOutcome,
  CheckoutWriter,
} from '../checkout-writer.js';
import type { OrderView, StockLine } from '../order.repository.js';
import { type OrderLineRow, type OrderViewRow, toView } from './order-rows.js';

/**
 * The whole checkout write, for an order whose stock lines (distinct
 * variants, sorted by id) number `stockLines`. In order of the data flow:
 * - `seen`: the cart still active and at the version checkout read it, and
 *   which of the variants belong to a product archived since: plain reads
 *   by primary key, no lock and no wait added. An archive committed before
 *   this statement began is seen and refuses it; one committing later comes
 *   after this checkout, as if the admin had archived a moment later;
 * - `claim`: the Idempotency-Key, inserted only then and only with nothing
 *   archived (a retried checkout passes `owner` instead and `held` finds
 *   its row);
 * - `cart`: closed, only with the key held, nothing archived and at that
 *   version. Every write to a cart's lines updates the cart row first, so an
 *   unchanged version means unchanged lines; a writer still running makes
 *   this wait, then find another version and close nothing;
 * - `o`, `l`, `h`: the order, its line snapshots and its first history row,
 *   returned as stored (one row per line, in view()'s order);
 * - `r1`..`rN`: the stock, one variant row per UPDATE, each waiting for the
 *   one before (EXISTS), so rows are locked in id order and checkouts
 *   sharing variants wait for each other but never deadlock. (One UPDATE of
 *   all rows would lock them in whatever order its plan visits them; a
 *   locking SELECT before the UPDATE visits each row twice within one
 *   statement, which deadlocks against the next checkout queued on the row.)
 *   There is no availability test: the CHECK (reserved <= on_hand) of
 *   variants refuses an oversell, and that error rolls the whole statement
 *   back. Nothing reads rN, so PostgreSQL runs the chain after the inserts,
 *   which keeps the hot rows' locks short, and before the lines' foreign-key
 *   checks, which then find the row locked by their own transaction rather
 *   than share-locking it next to other checkouts (a multixact each time).
 */
function checkoutStatement(stockLines: number): string {
  const reserve = Array.from(
    { length: stockLines },
    (_, i) => `r${i + 1} AS (
     UPDATE variants SET reserved = reserved + ($20::int[])[${i + 1}], updated_at = now()
      WHERE id = ($19::uuid[])[${i + 1}] AND EXISTS (SELECT 1 FROM ${i === 0 ? 'cart' : `r${i}`})
     RETURNING id
   )`,
  ).join(', ');
  return `WITH seen AS (
     SELECT EXISTS (SELECT 1 FROM carts WHERE id = $6 AND status = 'active' AND xmin = $7::xid)
            AS unchanged,
            ARRAY(SELECT v.id::text FROM variants v JOIN products p ON p.id = v.product_id
                   WHERE v.id = ANY($19::uuid[]) AND p.status = 'archived' ORDER BY v.id)
            AS archived
   ), claim AS (
     INSERT INTO idempotency_keys (user_id, scope, key, request_hash)
     SELECT $1::uuid, $2::text, $3::text, $4::text FROM seen
      WHERE seen.unchanged AND cardinality(seen.archived) = 0 AND $5::xid IS NULL
     ON CONFLICT DO NOTHING
     RETURNING xmin::text AS owner
   ), held AS (
     SELECT owner FROM claim
     UNION ALL
     SELECT k.xmin::text FROM idempotency_keys k
      WHERE $5::xid IS NOT NULL AND k.user_id = $1 AND k.scope = $2 AND k.key = $3
        AND k.xmin = $5::xid
   ), cart AS (
     UPDATE carts SET status = 'checked_out', updated_at = now()
      WHERE id = $6 AND status = 'active' AND xmin = $7::xid AND EXISTS (SELECT 1 FROM held)
        AND EXISTS (SELECT 1 FROM seen WHERE cardinality(seen.archived) = 0)
     RETURNING id
   ), o AS (
     INSERT INTO orders (user_id, checkout_key, status, currency, subtotal, total,
                         shipping_address, reservation_expires_at)
     SELECT $1::uuid, $3::text, 'pending_payment', $8::text, $9::bigint, $10::bigint,
            $11::jsonb, $12::timestamptz
       FROM cart
     RETURNING id, user_id, status, currency, subtotal, total, amount_paid, amount_refunded,
               refund_requested, amount_returned_outside, shipping_address, payment_intent_id,
               review_reason, reservation_expires_at, created_at
   ), l AS (
     INSERT INTO order_lines (order_id, variant_id, sku, name, quantity, unit_price, line_total)
     SELECT o.id, x.* FROM o,
            unnest($13::uuid[], $14::text[], $15::text[], $16::int[], $17::bigint[], $18::bigint[]) AS x
     RETURNING id, variant_id, sku, name, quantity, unit_price, line_total
   ), h AS (
     INSERT INTO order_status_history (order_id, from_status, to_status, cause)
     SELECT o.id, NULL, o.status, 'checkout' FROM o
     RETURNING at
   ), ${reserve}
   SELECT seen.unchanged AS cart_unchanged, seen.archived, (SELECT owner FROM held LIMIT 1) AS owner,
          (SELECT email FROM users WHERE id = $1::uuid) AS buyer_email, placed.*
     FROM seen LEFT JOIN (
       SELECT o.*, h.at AS history_at, l.id AS line_id, l.variant_id, l.sku, l.name, l.quantity,
              l.unit_price, l.line_total
         FROM o, h, l
     ) AS placed ON true
    ORDER BY placed.sku, placed.line_id`;
}

/** One prepared statement per number of stock lines, made when first needed. */
const statements = new Map<number, PreparedStatement>();
function writeCheckout(stockLines: number): PreparedStatement {
  let statement = statements.get(stockLines);
  if (!statement) statements.set(stockLines, (statement = prepared(checkoutStatement(stockLines))));
  return statement;
}

/**
 * Checkout's last write, after the PaymentIntent: the job's insert (its
 * parameters come first, `jobParams` of them), the intent stored on the
 * order unless it has one, and the reply stored under the key. The mail is
 * written either way: its id derives from the order (dedupe key), so when a
 * resumed request attached the intent and enqueued it first, this insert
 * meets that job and writes nothing.
 */
function finishStatement(jobInsert: string, jobParams: number): string {
  const $ = (n: number) => `$${jobParams + n}`;
  return `WITH job AS (${jobInsert}),
   attached AS (
     UPDATE orders SET payment_intent_id = ${$(2)}::text
      WHERE id = ${$(1)}::uuid AND payment_intent_id IS NULL
     RETURNING id
   ), completed AS (
     UPDATE idempotency_keys
        SET status = 'completed', response_status = ${$(6)}::int, response_body = ${$(7)}::jsonb,
            completed_at = now()
      WHERE user_id = ${$(3)}::uuid AND scope = ${$(4)}::text AND key = ${$(5)}::text
     RETURNING response_body
   )
   SELECT (SELECT id FROM job) AS job_id, EXISTS (SELECT 1 FROM attached) AS attached,
          (SELECT response_body FROM completed) AS reply`;
}

/** One prepared statement per job insert text (pg-boss' is fixed per schema). */
const finishStatements = new Map<string, PreparedStatement>();
function finishCheckout(jobInsert: string, jobParams: number): PreparedStatement {
  const key = `${jobParams}:${jobInsert}`;
  let statement = finishStatements.get(key);
  if (!statement) {
    finishStatements.set(key, (statement = prepared(finishStatement(jobInsert, jobParams))));
  }
  return statement;
}

/** Quantities per variant, sorted by variant id: the one order stock rows are locked in. */
function stockLines(lines: readonly StockLine[]): StockLine[] {
  const byVariant = new Map<string, number>();
  for (const l of lines) byVariant.set(l.variantId, (byVariant.get(l.variantId) ?? 0) + l.quantity);
  return [...byVariant.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([variantId, quantity]) => ({ variantId, quantity }));
}

const SHORT_VARIANTS = prepared(
  `SELECT w.variant_id
     FROM unnest($1::uuid[], $2::int[]) AS w(variant_id, quantity)
     JOIN variants v ON v.id = w.variant_id
    GROUP BY w.variant_id, v.on_hand, v.reserved
   HAVING v.on_hand - v.reserved < sum(w.quantity)`,
);

/** The statement's row: the outcome, then (when placed) one row per order line. */
type WriteRow = {
  cart_unchanged: boolean;
  /** Variants whose product is archived; when any, nothing was written. */
  archived: string[];
  owner: string | null;
  buyer_email: string;
} & (
  | (OrderViewRow & Omit<OrderLineRow, 'id' | 'order_id'> & { line_id: string; history_at: Date })
  | { [K in keyof OrderViewRow]: null }
);

@Injectable()
export class TypeormCheckoutWriter extends CheckoutWriter {
  private readonly logger = new Logger(TypeormCheckoutWriter.name);

  constructor(private readonly dataSource: DataSource) {
    super();
  }

  async write(
    input: CheckoutWrite,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<CheckoutWriteOutcome> {
    const { claim, cart, order } = input;
    const stock = stockLines(order.lines);
    let rows: WriteRow[];
    try {
      ({ rows } = await runPrepared<WriteRow>(manager, writeCheckout(stock.length), [
        claim.userId,
        claim.scope,
        claim.key,
        claim.requestHash,
        claim.owner,
        cart.id,
        cart.version,
        order.currency,
        order.subtotal,
        order.total,
        JSON.stringify(order.shippingAddress),
        order.reservationExpiresAt,
        order.lines.map((l) => l.variantId),
        order.lines.map((l) => l.sku),
        order.lines.map((l) => l.name),
        order.lines.map((l) => l.quantity),
        order.lines.map((l) => l.unitPrice),
        order.lines.map((l) => l.lineTotal),
        stock.map((l) => l.variantId),
        stock.map((l) => l.quantity),
      ]));
    } catch (error) {
      // Each of these rolled the whole statement back, claim included.
      const { code, constraint } = pgErrorOf(error);
      if (code === '23514' && constraint === 'variants_reserved_le_on_hand')
        return { kind: 'short' };
      if (code === '23505' && constraint === 'orders_user_checkout_key') {
        return { kind: 'order-exists' };
      }
      // A line's variant deleted since the cart was read (its cart line went
      // with it): read the cart again. A deadlock should not happen (rows
      // are locked in one order), but is as safe to retry as anywhere else.
      if (code === '23503' || code === '40P01') {
        if (code === '40P01')
          this.logger.warn(`Checkout write deadlocked; retrying: ${String(error)}`);
        return { kind: 'cart-changed', owner: null };
      }
      throw error;
    }
    const [first] = rows;
    if (!first) throw new Error('the checkout write returned nothing');
    // Before the key: an archived variant held the claim back too, so a
    // missing owner here does not mean another request has the key.
    if (first.archived.length > 0) return { kind: 'archived', variantIds: first.archived };
    const newlyClaimed = first.owner !== null && first.owner !== claim.owner ? first.owner : null;
    if (first.id === null) {
      if (first.owner === null && first.cart_unchanged) return { kind: 'key-held-elsewhere' };
      return { kind: 'cart-changed', owner: newlyClaimed };
    }
    if (first.owner === null) throw new Error('an order was written without its key claimed');
    return {
      kind: 'placed',
      owner: first.owner,
      order: this.view(rows),
      buyerEmail: first.buyer_email,
    };
  }

  async finish(
    input: CheckoutFinish,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<CheckoutFinished> {
    const { mail, completion: c } = input;
    const { rows } = await runPrepared<{
      job_id: string | null;
      attached: boolean;
      reply: unknown;
    }>(manager, finishCheckout(mail.text, mail.values.length), [
      ...mail.values,
      input.orderId,
      input.paymentIntentId,
      c.userId,
      c.scope,
      c.key,
      c.status,
      c.body,
    ]);
    const [row] = rows;
    if (!row) throw new Error('the checkout finish returned nothing');
    mail.committed(row.job_id);
    return { attached: row.attached, reply: row.reply ?? undefined };
  }

  async shortVariants(
    lines: StockLine[],
    manager: EntityManager = this.dataSource.manager,
  ): Promise<string[]> {
    const { rows } = await runPrepared<{ variant_id: string }>(manager, SHORT_VARIANTS, [
      lines.map((l) => l.variantId),
      lines.map((l) => l.quantity),
    ]);
    return rows.map((r) => r.variant_id);
  }

  private view(rows: WriteRow[]): OrderView {
    const placed = rows as (WriteRow &
      OrderViewRow &
      OrderLineRow & {
        line_id: string;
        history_at: Date;
      })[];
    const first = placed[0]!;
    return toView(
      first,
      placed.map((r) => ({
        id: r.line_id,
        order_id: r.id,
        variant_id: r.variant_id,
        sku: r.sku,
        name: r.name,
        quantity: r.quantity,
        unit_price: r.unit_price,
        line_total: r.line_total,
      })),
      [
        {
          order_id: first.id,
          from_status: null,
          to_status: first.status,
          cause: 'checkout',
          at: first.history_at,
        },
      ],
    );
  }
}
