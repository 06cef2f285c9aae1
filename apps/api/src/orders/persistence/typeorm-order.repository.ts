import {
  type ForeignPayment,
  Money,
  type OrderStatus,
  type OrderTransition,
} from '@minishop/domain';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import {
  afterCursor,
  cursorAtColumn,
  newestFirstPage,
} from '../../infrastructure/database/newest-first-cursor.js';
import { pgErrorOf } from '../../infrastructure/database/pg-errors.js';
import { prepared, runPrepared } from '../../infrastructure/database/prepared-statement.js';
import {
  type CheckoutKeyOrder,
  type DueOrder,
  type OrderListQuery,
  type OrderPatch,
  OrderRepository,
  type OrderSnapshot,
  type OrderState,
  type OrderView,
  type StockLine,
} from '../order.repository.js';
import { type HistoryRow, type OrderLineRow, type OrderRow, toView } from './order-rows.js';

// Checkout's statements, prepared: they run on every order.
const BY_CHECKOUT_KEY = prepared(
  `SELECT id, checkout_request_hash AS "requestHash"
     FROM orders WHERE user_id = $1 AND checkout_key = $2`,
);
/**
 * Also returns the buyer's address, for the "order placed" mail enqueued
 * with it. Only while the order may still be paid: expiry may have
 * cancelled it while its intent was being made.
 */
const ATTACH_PAYMENT_INTENT = prepared(
  `UPDATE orders o SET payment_intent_id = $2
     FROM users u
    WHERE o.id = $1 AND o.payment_intent_id IS NULL AND o.status = 'pending_payment'
      AND u.id = o.user_id
    RETURNING u.email`,
);

const ORDER_COLUMNS = `o.id, o.user_id, o.status, o.currency, o.subtotal, o.total, o.amount_paid,
  o.amount_refunded, o.refund_requested, o.amount_returned_outside,
  o.foreign_currency, o.foreign_paid, o.foreign_refunded, o.foreign_refund_requested,
  o.foreign_returned_outside, o.shipping_address, o.payment_intent_id, o.review_reason,
  o.review_decision, o.reservation_expires_at, o.created_at, ${cursorAtColumn('o')}`;

/**
 * How long the expiry sweep waits for a due order another transaction holds
 * (lockDueForExpiry): a payment or webhook ends within it; past it, the
 * holder is stuck and the order is left to the next run.
 */
const EXPIRY_LOCK_WAIT = '2s';
/** PostgreSQL's SQLSTATE when lock_timeout ran out. */
const LOCK_NOT_AVAILABLE = '55P03';

/** What the write paths read; xmin (the transaction that last wrote the row) is its version. */
const STATE_COLUMNS = `${ORDER_COLUMNS}, o.xmin::text AS version`;
type StateRow = OrderRow & { version: string };

function toSnapshot(r: StateRow): OrderSnapshot {
  const money = (v: string) => Money.of(Number(v), r.currency);
  return {
    id: r.id,
    version: r.version,
    userId: r.user_id,
    status: r.status,
    currency: r.currency,
    total: money(r.total),
    amountPaid: money(r.amount_paid),
    amountRefunded: money(r.amount_refunded),
    refundRequested: money(r.refund_requested),
    returnedOutside: money(r.amount_returned_outside),
    foreignPayment: foreignPaymentOf(r),
    paymentIntentId: r.payment_intent_id,
    reservationExpiresAt: r.reservation_expires_at,
    reviewReason: r.review_reason,
    reviewDecision: r.review_decision,
  };
}

function foreignPaymentOf(r: OrderRow): ForeignPayment | null {
  const currency = r.foreign_currency;
  if (!currency) return null;
  const money = (v: string) => Money.of(Number(v), currency);
  return {
    paid: money(r.foreign_paid),
    refunded: money(r.foreign_refunded),
    requested: money(r.foreign_refund_requested),
    returnedOutside: money(r.foreign_returned_outside),
  };
}

/**
 * Stock lines merged per variant and sorted by variant id. Every path that
 * touches several variant rows takes their locks in this one order, so two
 * transactions can wait for each other but never deadlock.
 */
function inLockOrder(lines: readonly StockLine[]): StockLine[] {
  const byVariant = new Map<string, number>();
  for (const l of lines) byVariant.set(l.variantId, (byVariant.get(l.variantId) ?? 0) + l.quantity);
  return [...byVariant.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([variantId, quantity]) => ({ variantId, quantity }));
}

/**
 * Orders waiting for a person, as the domain decides it: `isAwaitingReview`
 * (a payment that did not match, matched by orders_awaiting_review_idx) or
 * `isAwaitingRefund` (a cancelled order holding money nobody asked back,
 * in its currency or in another, matched by orders_awaiting_refund_idx).
 */
const AWAITING_STAFF = `((o.review_reason IS NOT NULL AND o.status = 'pending_payment')
  OR (o.status = 'cancelled'
      AND (o.amount_paid > GREATEST(o.refund_requested, o.amount_refunded) + o.amount_returned_outside
           OR o.foreign_paid > GREATEST(o.foreign_refund_requested, o.foreign_refunded)
                               + o.foreign_returned_outside)))`;

@Injectable()
export class TypeormOrderRepository extends OrderRepository {
  constructor(private readonly dataSource: DataSource) {
    super();
  }

  async releaseStock(lines: StockLine[], manager: EntityManager): Promise<void> {
    for (const line of inLockOrder(lines)) {
      await manager.query(
        'UPDATE variants SET reserved = reserved - $2, updated_at = now() WHERE id = $1',
        [line.variantId, line.quantity],
      );
    }
  }

  async sellReservedStock(lines: StockLine[], manager: EntityManager): Promise<void> {
    for (const line of inLockOrder(lines)) {
      await manager.query(
        `UPDATE variants SET on_hand = on_hand - $2, reserved = reserved - $2, updated_at = now()
          WHERE id = $1`,
        [line.variantId, line.quantity],
      );
    }
  }

  async findByCheckoutKey(
    userId: string,
    key: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<CheckoutKeyOrder | null> {
    const { rows } = await runPrepared<CheckoutKeyOrder>(manager, BY_CHECKOUT_KEY, [userId, key]);
    return rows[0] ?? null;
  }

  async attachPaymentIntent(
    id: string,
    paymentIntentId: string,
    manager: EntityManager,
  ): Promise<{ buyerEmail: string } | null> {
    const { rows } = await runPrepared<{ email: string }>(manager, ATTACH_PAYMENT_INTENT, [
      id,
      paymentIntentId,
    ]);
    return rows[0] ? { buyerEmail: rows[0].email } : null;
  }

  lockById(id: string, manager: EntityManager, ownerId?: string): Promise<OrderState | null> {
    return ownerId === undefined
      ? this.lockOne('o.id = $1', [id], manager)
      : this.lockOne('o.id = $1 AND o.user_id = $2', [id, ownerId], manager);
  }

  lockByPaymentIntent(paymentIntentId: string, manager: EntityManager): Promise<OrderState | null> {
    return this.lockOne('o.payment_intent_id = $1', [paymentIntentId], manager);
  }

  async stateById(id: string): Promise<OrderState | null> {
    const rows = (await this.dataSource.query(
      `SELECT ${STATE_COLUMNS} FROM orders o WHERE o.id = $1`,
      [id],
    )) as StateRow[];
    const [state] = await this.withStockLines(rows, this.dataSource.manager);
    return state ?? null;
  }

  findById(id: string): Promise<OrderSnapshot | null> {
    return this.findOne('o.id = $1', [id]);
  }

  findByPaymentIntent(paymentIntentId: string): Promise<OrderSnapshot | null> {
    return this.findOne('o.payment_intent_id = $1', [paymentIntentId]);
  }

  findByPaymentIntents(paymentIntentIds: readonly string[]): Promise<OrderSnapshot[]> {
    return this.findMany('o.payment_intent_id = ANY($1::text[])', paymentIntentIds);
  }

  findByIds(ids: readonly string[]): Promise<OrderSnapshot[]> {
    return this.findMany('o.id = ANY($1::uuid[])', ids);
  }

  private async findMany(where: string, values: readonly string[]): Promise<OrderSnapshot[]> {
    if (values.length === 0) return [];
    const rows = (await this.dataSource.query(
      `SELECT ${STATE_COLUMNS} FROM orders o WHERE ${where}`,
      [[...values]],
    )) as StateRow[];
    return rows.map(toSnapshot);
  }

  async dueForExpiry(now: Date, limit: number, after?: DueOrder): Promise<DueOrder[]> {
    const rows = (await this.dataSource.query(
      `SELECT o.id, o.payment_intent_id, o.reservation_expires_at::text AS expires_at
         FROM orders o
        WHERE o.status = 'pending_payment' AND o.reservation_expires_at <= $1
          AND o.review_reason IS NULL
          AND ($3::timestamptz IS NULL OR (o.reservation_expires_at, o.id) > ($3, $4::uuid))
        ORDER BY o.reservation_expires_at, o.id
        LIMIT $2`,
      [now, limit, after?.expiresAt ?? null, after?.id ?? null],
    )) as { id: string; payment_intent_id: string | null; expires_at: string }[];
    return rows.map((r) => ({
      id: r.id,
      paymentIntentId: r.payment_intent_id,
      expiresAt: r.expires_at,
    }));
  }

  async countEndedBy(ids: readonly string[], cause: string): Promise<number> {
    const [row] = (await this.dataSource.query(
      `SELECT count(*)::int AS n FROM orders o
        WHERE o.id = ANY($1::uuid[]) AND o.status = 'cancelled'
          AND (SELECT h.cause FROM order_status_history h
                WHERE h.order_id = o.id ORDER BY h.id DESC LIMIT 1) = $2`,
      [[...ids], cause],
    )) as { n: number }[];
    return row?.n ?? 0;
  }

  async lockDueForExpiry(
    orders: readonly Pick<DueOrder, 'id' | 'paymentIntentId'>[],
    now: Date,
    manager: EntityManager,
  ): Promise<OrderState[]> {
    const ids = orders.map((o) => o.id);
    const intentless = orders.filter((o) => o.paymentIntentId === null).map((o) => o.id);
    // An order held by another transaction (a payment being applied, or the
    // webhook of the cancel this run just asked for) is waited for, and its
    // row read again once that transaction ends: one paid or cancelled
    // meanwhile drops out. Skipped at once instead, a cancel's own webhook
    // made this run miss orders whose intents it had cancelled. Locked in
    // the order every locker of several orders uses (created_at, id), so
    // that two never deadlock. A holder that outlasts EXPIRY_LOCK_WAIT (a
    // stuck session) is skipped, rather than holding up every due order. An
    // order read without an intent that has one now (a retried checkout
    // attached it in between) is left to the next run, which asks the
    // provider to cancel it.
    const select = (skipLocked: boolean) =>
      `SELECT ${STATE_COLUMNS} FROM orders o
        WHERE o.id = ANY($2::uuid[])
          AND o.status = 'pending_payment' AND o.reservation_expires_at <= $1
          AND o.review_reason IS NULL
          AND NOT (o.id = ANY($3::uuid[]) AND o.payment_intent_id IS NOT NULL)
        ORDER BY o.created_at, o.id
        FOR UPDATE${skipLocked ? ' SKIP LOCKED' : ''}`;
    const params = [now, ids, intentless];
    await manager.query('SAVEPOINT lock_due_for_expiry');
    await manager.query(`SET LOCAL lock_timeout = '${EXPIRY_LOCK_WAIT}'`);
    let rows: StateRow[];
    try {
      rows = (await manager.query(select(false), params)) as StateRow[];
      await manager.query('SET LOCAL lock_timeout TO DEFAULT');
    } catch (error) {
      if (pgErrorOf(error).code !== LOCK_NOT_AVAILABLE) throw error;
      // Also undoes the timeout.
      await manager.query('ROLLBACK TO SAVEPOINT lock_due_for_expiry');
      rows = (await manager.query(select(true), params)) as StateRow[];
    }
    return this.withStockLines(rows, manager);
  }

  async lockUnpaidOfDisabledAccount(
    userId: string,
    limit: number,
    manager: EntityManager,
  ): Promise<OrderState[]> {
    // The account's row is share-locked too: enabling it again waits for
    // this batch, and the next batch finds it enabled and takes nothing. A
    // locked order is checked again once its lock is free (one paid
    // meanwhile drops out).
    const rows = (await manager.query(
      `SELECT ${STATE_COLUMNS} FROM orders o JOIN users u ON u.id = o.user_id
        WHERE o.user_id = $1 AND u.disabled
          AND o.status = 'pending_payment' AND o.review_reason IS NULL
        ORDER BY o.created_at, o.id
        LIMIT $2
        FOR UPDATE OF o FOR SHARE OF u`,
      [userId, limit],
    )) as StateRow[];
    return this.withStockLines(rows, manager);
  }

  async update(id: string, patch: OrderPatch, manager: EntityManager): Promise<void> {
    const sets: string[] = ['updated_at = now()'];
    const params: unknown[] = [id];
    const set = (column: string, value: unknown) => {
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    };
    if (patch.status !== undefined) set('status', patch.status);
    if (patch.paymentIntentId !== undefined) set('payment_intent_id', patch.paymentIntentId);
    if (patch.amountPaid !== undefined) set('amount_paid', patch.amountPaid);
    if (patch.amountRefunded !== undefined) set('amount_refunded', patch.amountRefunded);
    if (patch.refundRequested !== undefined) set('refund_requested', patch.refundRequested);
    if (patch.returnedOutside !== undefined) set('amount_returned_outside', patch.returnedOutside);
    if (patch.foreignPayment !== undefined) {
      const f = patch.foreignPayment;
      set('foreign_currency', f.paid.currency);
      set('foreign_paid', f.paid.amount);
      set('foreign_refunded', f.refunded.amount);
      set('foreign_refund_requested', f.requested.amount);
      set('foreign_returned_outside', f.returnedOutside.amount);
    }
    if (patch.reviewReason !== undefined) set('review_reason', patch.reviewReason);
    if (patch.reviewDecision !== undefined) set('review_decision', patch.reviewDecision);
    if (patch.clearCheckoutKey) sets.push('checkout_key = NULL');
    await manager.query(`UPDATE orders SET ${sets.join(', ')} WHERE id = $1`, params);
  }

  async recordTransition(
    id: string,
    change: OrderTransition,
    manager: EntityManager,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO order_status_history (order_id, from_status, to_status, cause)
       VALUES ($1, $2, $3, $4)`,
      [id, change.from, change.to, change.cause],
    );
    if (change.from !== change.to) await this.update(id, { status: change.to }, manager);
  }

  async statusHistory(id: string, manager: EntityManager): Promise<OrderStatus[]> {
    const rows = (await manager.query(
      'SELECT to_status FROM order_status_history WHERE order_id = $1 ORDER BY id',
      [id],
    )) as { to_status: OrderStatus }[];
    return rows.map((r) => r.to_status);
  }

  async view(id: string, ownerId?: string, manager?: EntityManager): Promise<OrderView | null> {
    const m = manager ?? this.dataSource.manager;
    const rows = (await m.query(
      `SELECT ${ORDER_COLUMNS} FROM orders o WHERE o.id = $1 AND ($2::uuid IS NULL OR o.user_id = $2)`,
      [id, ownerId ?? null],
    )) as OrderRow[];
    const [view] = await this.views(rows, m);
    return view ?? null;
  }

  async list(query: OrderListQuery): Promise<{ items: OrderView[]; nextCursor: string | null }> {
    const params: unknown[] = [];
    const where: string[] = [];
    const add = (sql: (p: string) => string, value: unknown) => {
      params.push(value);
      where.push(sql(`$${params.length}`));
    };
    if (query.userId !== undefined) add((p) => `o.user_id = ${p}`, query.userId);
    if (query.status !== undefined) add((p) => `o.status = ${p}`, query.status);
    if (query.awaitingReview === true) where.push(AWAITING_STAFF);
    else if (query.awaitingReview === false) where.push(`NOT ${AWAITING_STAFF}`);
    if (query.cursor !== undefined) where.push(afterCursor('orders', 'o', query.cursor, params));
    params.push(query.limit + 1);
    const rows = (await this.dataSource.query(
      `SELECT ${ORDER_COLUMNS} FROM orders o
        ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY o.created_at DESC, o.id DESC
        LIMIT $${params.length}`,
      params,
    )) as OrderRow[];
    const page = newestFirstPage('orders', rows, query.limit);
    return {
      items: await this.views(page.rows, this.dataSource.manager),
      nextCursor: page.nextCursor,
    };
  }

  private async lockOne(
    where: string,
    params: unknown[],
    manager: EntityManager,
  ): Promise<OrderState | null> {
    const rows = (await manager.query(
      `SELECT ${STATE_COLUMNS} FROM orders o WHERE ${where} FOR UPDATE`,
      params,
    )) as StateRow[];
    const [state] = await this.withStockLines(rows, manager);
    return state ?? null;
  }

  private async findOne(where: string, params: unknown[]): Promise<OrderSnapshot | null> {
    const rows = (await this.dataSource.query(
      `SELECT ${STATE_COLUMNS} FROM orders o WHERE ${where}`,
      params,
    )) as StateRow[];
    return rows[0] ? toSnapshot(rows[0]) : null;
  }

  private async withStockLines(rows: StateRow[], manager: EntityManager): Promise<OrderState[]> {
    if (rows.length === 0) return [];
    const lines = (await manager.query(
      `SELECT order_id, variant_id AS "variantId", quantity FROM order_lines
        WHERE order_id = ANY($1::uuid[])`,
      [rows.map((r) => r.id)],
    )) as (StockLine & { order_id: string })[];
    return rows.map((r) => ({
      ...toSnapshot(r),
      lines: lines
        .filter((l) => l.order_id === r.id)
        .map((l) => ({ variantId: l.variantId, quantity: l.quantity })),
    }));
  }

  /** Lines and history of many orders in two queries, not two per order. */
  private async views(rows: OrderRow[], manager: EntityManager): Promise<OrderView[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const lines = (await manager.query(
      `SELECT id, order_id, variant_id, sku, name, quantity, unit_price, line_total
         FROM order_lines WHERE order_id = ANY($1::uuid[]) ORDER BY sku, id`,
      [ids],
    )) as OrderLineRow[];
    const history = (await manager.query(
      `SELECT order_id, from_status, to_status, cause, at FROM order_status_history
        WHERE order_id = ANY($1::uuid[]) ORDER BY id`,
      [ids],
    )) as HistoryRow[];
    return rows.map((r) =>
      toView(
        r,
        lines.filter((l) => l.order_id === r.id),
        history.filter((h) => h.order_id === r.id),
      ),
    );
  }
}
