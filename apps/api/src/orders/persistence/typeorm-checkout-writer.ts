import { Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import { pgErrorOf } from '../../infrastructure/database/pg-errors.js';
import {
  prepared,
  type PreparedStatement,
  runPrepared,
} from '../../infrastructure/database/prepared-statement.js';
import type { JobStatement } from '../../jobs/job-queue.js';
import {
  type CheckoutWrite,
  type CheckoutWriteOutcome,
  CheckoutWriter,
} from '../checkout-writer.js';
import type { StockLine } from '../order.repository.js';

/** The SQLSTATE of refuse_checkout(): the write placed nothing, and says why. */
const CHECKOUT_REFUSED = 'MS409';

/**
 * The whole checkout write, for an order whose stock lines (distinct
 * variants, sorted by id) number `stockLines`, with pg-boss' job insert
 * (its parameters come first, `jobParams` of them). In order of the data flow:
 * - `buyer`: the buyer's account, share-locked, if it is not disabled. A
 *   disable (which locks the row FOR NO KEY UPDATE) either waits for this
 *   checkout to commit, so the job it enqueues finds the order and cancels
 *   it, or commits first and refuses it here (the locked row is read again
 *   at its new version). Without the lock, an order could commit just after
 *   that job looked, and stay payable on a disabled account;
 * - `seen`: which of the variants belong to a product archived since, and
 *   whether a key this request already holds (`owner`) is still its own:
 *   plain reads, no lock and no wait added. An archive committed before
 *   this statement began is seen and refuses it; one committing later comes
 *   after this checkout, as if the admin had archived a moment later;
 * - `cart`: closed, only with nothing archived and at the version checkout
 *   read. Every write to a cart's lines updates the cart row first, so an
 *   unchanged version means unchanged lines; a writer still running makes
 *   this wait, then find another version and close nothing;
 * - `fresh_key` or `held_key`: the Idempotency-Key, completed with the reply,
 *   only for a closed cart. A key another request inserted meanwhile fails
 *   the insert (a unique violation), which rolls everything back;
 * - `o`, `l`, `h`: the order with its PaymentIntent, its line snapshots and
 *   its first history row; `job`: the "order placed" mail;
 * - `guard`: pg-boss' insert cannot be made conditional, so a checkout that
 *   placed nothing raises (refuse_checkout) and the statement, mail
 *   included, rolls back;
 * - `r1`..`rN`: the stock, one variant row per UPDATE, each waiting for the
 *   one before (EXISTS), so rows are locked in id order and checkouts
 *   sharing variants wait for each other but never deadlock. (One UPDATE of
 *   all rows would lock them in whatever order its plan visits them; a
 *   locking SELECT before the UPDATE visits each row twice within one
 *   statement, which deadlocks against the next checkout queued on the row.)
 *   There is no availability test: the CHECK (reserved <= on_hand) of
 *   variants refuses an oversell, and that error rolls the whole statement
 *   back. Nothing reads rN, so PostgreSQL runs the chain after everything
 *   else, which keeps the hot rows' locks short, and before the lines'
 *   foreign-key checks, which then find the row locked by their own
 *   transaction rather than share-locking it next to other checkouts (a
 *   multixact each time).
 *
 * The stored reply's times are the order's own (now(), as `created_at` and
 * the history row's `at` default to), in milliseconds as the API writes
 * them, and its lines sorted as an order's view sorts them (sku, id).
 */
function checkoutStatement(stockLines: number, jobInsert: string, jobParams: number): string {
  const $ = (n: number) => `$${jobParams + n}`;
  const reserve = Array.from(
    { length: stockLines },
    (_, i) => `r${i + 1} AS (
     UPDATE variants SET reserved = reserved + (${$(20)}::int[])[${i + 1}], updated_at = now()
      WHERE id = (${$(19)}::uuid[])[${i + 1}] AND EXISTS (SELECT 1 FROM ${i === 0 ? 'cart' : `r${i}`})
     RETURNING id
   )`,
  ).join(', ');
  return `WITH buyer AS (
     SELECT u.id FROM users u WHERE u.id = ${$(1)}::uuid AND NOT u.disabled FOR SHARE
   ), seen AS (
     SELECT EXISTS (SELECT 1 FROM buyer) AS buyer_active,
            ARRAY(SELECT v.id::text FROM variants v JOIN products p ON p.id = v.product_id
                   WHERE v.id = ANY(${$(19)}::uuid[]) AND p.status = 'archived' ORDER BY v.id)
            AS archived,
            ${$(5)}::xid IS NULL OR EXISTS (
              SELECT 1 FROM idempotency_keys k
               WHERE k.user_id = ${$(1)}::uuid AND k.scope = ${$(2)}::text AND k.key = ${$(3)}::text
                 AND k.xmin = ${$(5)}::xid) AS key_ours
   ), cart AS (
     UPDATE carts SET status = 'checked_out', updated_at = now()
      WHERE id = ${$(6)}::uuid AND status = 'active' AND xmin = ${$(7)}::xid
        AND EXISTS (SELECT 1 FROM seen
                     WHERE seen.buyer_active AND cardinality(seen.archived) = 0 AND seen.key_ours)
     RETURNING id
   ), reply AS (
     SELECT jsonb_set(
              jsonb_set(jsonb_set(r.body, '{order,createdAt}', to_jsonb(t.at)),
                        '{order,history,0,at}', to_jsonb(t.at)),
              '{order,lines}',
              (SELECT jsonb_agg(e ORDER BY e->>'sku', (e->>'id')::uuid)
                 FROM jsonb_array_elements(r.body->'order'->'lines') AS e)) AS body
       FROM (SELECT ${$(25)}::jsonb AS body) AS r,
            (SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at) AS t
   ), fresh_key AS (
     INSERT INTO idempotency_keys (user_id, scope, key, request_hash, status, response_status,
                                   response_body, completed_at)
     SELECT ${$(1)}::uuid, ${$(2)}::text, ${$(3)}::text, ${$(4)}::text, 'completed',
            ${$(24)}::int, reply.body, now()
       FROM cart, reply
      WHERE ${$(5)}::xid IS NULL
     RETURNING xmin::text AS owner, response_body
   ), held_key AS (
     UPDATE idempotency_keys
        SET status = 'completed', response_status = ${$(24)}::int,
            response_body = (SELECT body FROM reply), completed_at = now()
      WHERE ${$(5)}::xid IS NOT NULL AND user_id = ${$(1)}::uuid AND scope = ${$(2)}::text
        AND key = ${$(3)}::text AND xmin = ${$(5)}::xid AND EXISTS (SELECT 1 FROM cart)
     RETURNING xmin::text AS owner, response_body
   ), stored AS (
     SELECT owner, response_body FROM fresh_key
     UNION ALL
     SELECT owner, response_body FROM held_key
   ), o AS (
     INSERT INTO orders (id, user_id, checkout_key, status, currency, subtotal, total,
                         shipping_address, reservation_expires_at, payment_intent_id,
                         checkout_request_hash)
     SELECT ${$(21)}::uuid, ${$(1)}::uuid, ${$(3)}::text, 'pending_payment', ${$(8)}::text,
            ${$(9)}::bigint, ${$(10)}::bigint, ${$(11)}::jsonb, ${$(12)}::timestamptz, ${$(22)}::text,
            ${$(4)}::text
       FROM cart
     RETURNING id
   ), l AS (
     INSERT INTO order_lines (id, order_id, variant_id, sku, name, quantity, unit_price, line_total)
     SELECT x.id, o.id, x.variant_id, x.sku, x.name, x.quantity, x.unit_price, x.line_total
       FROM o, unnest(${$(23)}::uuid[], ${$(13)}::uuid[], ${$(14)}::text[], ${$(15)}::text[],
                      ${$(16)}::int[], ${$(17)}::bigint[], ${$(18)}::bigint[])
               AS x(id, variant_id, sku, name, quantity, unit_price, line_total)
     RETURNING id
   ), h AS (
     INSERT INTO order_status_history (order_id, from_status, to_status, cause)
     SELECT o.id, NULL, 'pending_payment', 'checkout' FROM o
     RETURNING id
   ), job AS (${jobInsert}),
   guard AS (
     SELECT CASE
              WHEN NOT seen.buyer_active THEN refuse_checkout('account-disabled')
              WHEN cardinality(seen.archived) > 0
                THEN refuse_checkout('archived', array_to_string(seen.archived, ','))
              WHEN NOT seen.key_ours THEN refuse_checkout('key-lost')
              WHEN NOT EXISTS (SELECT 1 FROM o) THEN refuse_checkout('cart-changed')
              WHEN NOT EXISTS (SELECT 1 FROM stored) THEN refuse_checkout('key-lost')
            END AS refused
       FROM seen
   ), ${reserve}
   SELECT guard.refused, (SELECT id FROM job) AS job_id, stored.owner, stored.response_body AS reply
     FROM guard LEFT JOIN stored ON true`;
}

/** One prepared statement per job insert text (pg-boss' is fixed per schema) and number of stock lines. */
const statements = new Map<string, Map<number, PreparedStatement>>();
function writeCheckout(stockLines: number, mail: JobStatement): PreparedStatement {
  let byLines = statements.get(mail.text);
  if (!byLines) statements.set(mail.text, (byLines = new Map()));
  let statement = byLines.get(stockLines);
  if (!statement) {
    statement = prepared(checkoutStatement(stockLines, mail.text, mail.values.length));
    byLines.set(stockLines, statement);
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

/** The statement's one row: when it returns at all, the order was placed. */
interface WriteRow {
  job_id: string | null;
  owner: string | null;
  reply: unknown;
}

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
    const { claim, cart, order, mail, reply } = input;
    const stock = stockLines(order.lines);
    let rows: WriteRow[];
    try {
      ({ rows } = await runPrepared<WriteRow>(manager, writeCheckout(stock.length, mail), [
        ...mail.values,
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
        order.id,
        order.paymentIntentId,
        order.lines.map((l) => l.id),
        reply.status,
        reply.body,
      ]));
    } catch (error) {
      // Each of these rolled the whole statement back, claim and mail included.
      return this.refusal(error);
    }
    const [row] = rows;
    if (!row) throw new Error('the checkout write returned nothing');
    if (row.owner === null) throw new Error('an order was written without its key claimed');
    mail.committed(row.job_id);
    return { kind: 'placed', owner: row.owner, reply: row.reply };
  }

  /** What a failed write means for checkout; rethrows what it does not know. */
  private refusal(error: unknown): CheckoutWriteOutcome {
    const { code, constraint, message, detail } = pgErrorOf(error);
    if (code === CHECKOUT_REFUSED) {
      if (message === 'archived')
        return { kind: 'archived', variantIds: (detail ?? '').split(',') };
      if (message === 'key-lost') return { kind: 'key-held-elsewhere' };
      if (message === 'cart-changed') return { kind: 'cart-changed' };
      if (message === 'account-disabled') return { kind: 'account-disabled' };
    }
    if (code === '23505' && constraint === 'idempotency_keys_pkey') {
      return { kind: 'key-held-elsewhere' };
    }
    if (code === '23514' && constraint === 'variants_reserved_le_on_hand') return { kind: 'short' };
    if (code === '23505' && constraint === 'orders_user_checkout_key') {
      return { kind: 'order-exists' };
    }
    // A line's variant deleted since the cart was read (its cart line went
    // with it): read the cart again. A deadlock should not happen (rows are
    // locked in one order), but is as safe to retry as anywhere else.
    if (code === '23503' || code === '40P01') {
      if (code === '40P01')
        this.logger.warn(`Checkout write deadlocked; retrying: ${String(error)}`);
      return { kind: 'cart-changed' };
    }
    throw error;
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
}
