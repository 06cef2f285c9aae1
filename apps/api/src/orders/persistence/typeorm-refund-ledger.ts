import type { PaymentLedger } from '@minishop/domain';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import {
  type RefundBooking,
  type RefundFailure,
  RefundLedger,
  type StoredBooking,
  type UnsettledBooking,
} from '../refund-ledger.js';

/** The columns of each kind of figures a failed refund comes off. */
const FIGURES: Record<PaymentLedger, { requested: string; refunded: string }> = {
  order: { requested: 'refund_requested', refunded: 'amount_refunded' },
  foreign: { requested: 'foreign_refund_requested', refunded: 'foreign_refunded' },
};

interface UnsettledRow {
  key: string;
  order_id: string;
  amount: string;
  ledger: PaymentLedger;
  created_at: Date;
  named_on_refund: boolean;
}

const UNSETTLED_COLUMNS =
  'idempotency_key AS key, order_id, amount, ledger, created_at, named_on_refund';

function toUnsettled(r: UnsettledRow): UnsettledBooking {
  return {
    key: r.key,
    orderId: r.order_id,
    amount: Number(r.amount),
    ledger: r.ledger,
    bookedAt: r.created_at,
    named: r.named_on_refund,
  };
}

@Injectable()
export class TypeormRefundLedger extends RefundLedger {
  constructor(private readonly dataSource: DataSource) {
    super();
  }

  async bookedAmount(
    orderId: string,
    key: string,
    manager: EntityManager,
  ): Promise<StoredBooking | null> {
    const rows = await manager.query<
      {
        amount: string;
        ledger: PaymentLedger;
        created_at: Date;
        named_on_refund: boolean;
        refund_id: string | null;
      }[]
    >(
      `SELECT amount, ledger, created_at, named_on_refund, refund_id FROM refund_bookings
        WHERE idempotency_key = $1 AND order_id = $2`,
      [key, orderId],
    );
    const row = rows[0];
    return row
      ? {
          amount: Number(row.amount),
          ledger: row.ledger,
          bookedAt: row.created_at,
          named: row.named_on_refund,
          refundId: row.refund_id,
        }
      : null;
  }

  async book(booking: RefundBooking, manager: EntityManager): Promise<boolean> {
    const { requested } = FIGURES[booking.ledger];
    // One statement: the order's total moves only if the key's row was new.
    // TypeORM answers an UPDATE with [rows, count].
    const [rows] = await manager.query<[{ id: string }[], number]>(
      `WITH booked AS (
         INSERT INTO refund_bookings (idempotency_key, order_id, amount, ledger, named_on_refund)
         VALUES ($1, $2, $3, $5, true)
         ON CONFLICT (idempotency_key) DO NOTHING
         RETURNING order_id
       )
       UPDATE orders o SET ${requested} = $4, updated_at = now()
         FROM booked WHERE o.id = booked.order_id
       RETURNING o.id`,
      [booking.key, booking.orderId, booking.amount, booking.requestedAfter, booking.ledger],
    );
    return rows.length > 0;
  }

  async settle(key: string, refundId: string): Promise<boolean> {
    const [, count] = await this.dataSource.query<[unknown[], number]>(
      `UPDATE refund_bookings SET settled_at = now(), refund_id = $2
        WHERE idempotency_key = $1 AND settled_at IS NULL`,
      [key, refundId],
    );
    return count > 0;
  }

  async settledBy(refundId: string): Promise<string | null> {
    const [row] = await this.dataSource.query<{ key: string }[]>(
      'SELECT idempotency_key AS key FROM refund_bookings WHERE refund_id = $1 LIMIT 1',
      [refundId],
    );
    return row?.key ?? null;
  }

  async findUnsettled(
    key: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<UnsettledBooking | null> {
    const rows = await manager.query<UnsettledRow[]>(
      `SELECT ${UNSETTLED_COLUMNS} FROM refund_bookings
        WHERE idempotency_key = $1 AND settled_at IS NULL`,
      [key],
    );
    return rows[0] ? toUnsettled(rows[0]) : null;
  }

  async unsettled(range: {
    bookedAfter: Date;
    bookedBefore: Date;
    limit: number;
  }): Promise<UnsettledBooking[]> {
    const rows = await this.dataSource.query<UnsettledRow[]>(
      `SELECT ${UNSETTLED_COLUMNS} FROM refund_bookings
        WHERE settled_at IS NULL AND created_at > $1 AND created_at < $2
        ORDER BY created_at LIMIT $3`,
      [range.bookedAfter, range.bookedBefore, range.limit],
    );
    return rows.map(toUnsettled);
  }

  async unsettledBefore(date: Date): Promise<number> {
    const [row] = await this.dataSource.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM refund_bookings WHERE settled_at IS NULL AND created_at <= $1',
      [date],
    );
    return row?.n ?? 0;
  }

  async unbook(orderId: string, key: string, manager: EntityManager): Promise<void> {
    // Never below what the provider has confirmed refunded, in the figures
    // the booking was made in.
    await manager.query(
      `WITH gone AS (
         DELETE FROM refund_bookings WHERE idempotency_key = $2 AND order_id = $1
         RETURNING amount, ledger
       )
       UPDATE orders o
          SET refund_requested = CASE WHEN gone.ledger = 'order'
                THEN GREATEST(o.refund_requested - gone.amount, o.amount_refunded)
                ELSE o.refund_requested END,
              foreign_refund_requested = CASE WHEN gone.ledger = 'foreign'
                THEN GREATEST(o.foreign_refund_requested - gone.amount, o.foreign_refunded)
                ELSE o.foreign_refund_requested END
         FROM gone WHERE o.id = $1`,
      [orderId, key],
    );
  }

  async unbookUnsettled(orderId: string, key: string, manager: EntityManager): Promise<boolean> {
    const [row] = await manager.query<{ settled: boolean }[]>(
      'SELECT settled_at IS NOT NULL AS settled FROM refund_bookings WHERE idempotency_key = $1 AND order_id = $2 FOR UPDATE',
      [key, orderId],
    );
    if (!row || row.settled) return false;
    await this.unbook(orderId, key, manager);
    return true;
  }

  async takeBackFailed(failure: RefundFailure, manager: EntityManager): Promise<number | null> {
    const { requested, refunded } = FIGURES[failure.ledger];
    // One statement: the order moves only if the refund's row was new.
    const [rows] = await manager.query<[{ refunded: string }[], number]>(
      `WITH failed AS (
         INSERT INTO refund_failures (refund_id, order_id, amount, failure_reason)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (refund_id) DO NOTHING
         RETURNING order_id, amount
       )
       UPDATE orders o
          SET ${requested} = GREATEST(o.${requested} - failed.amount, $5),
              ${refunded} = LEAST(o.${refunded}, $5),
              updated_at = now()
         FROM failed WHERE o.id = failed.order_id
       RETURNING o.${refunded} AS refunded`,
      [
        failure.refundId,
        failure.orderId,
        failure.amount,
        failure.reason,
        failure.confirmedRefunded,
      ],
    );
    return rows[0] ? Number(rows[0].refunded) : null;
  }

  async isTakenBack(
    refundId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<boolean> {
    const rows = await manager.query<unknown[]>(
      'SELECT 1 FROM refund_failures WHERE refund_id = $1',
      [refundId],
    );
    return rows.length > 0;
  }

  async failedCount(
    orderId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<number> {
    const rows = await manager.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM refund_failures WHERE order_id = $1',
      [orderId],
    );
    return rows[0]?.n ?? 0;
  }
}
