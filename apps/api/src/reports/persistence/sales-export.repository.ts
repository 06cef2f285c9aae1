import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

export interface SalesRow {
  id: string;
  createdAt: string;
  status: string;
  email: string;
  items: string;
  subtotal: number;
  total: number;
  currency: string;
  amountRefunded: number;
}

export interface SalesCursor {
  /** created_at as PostgreSQL prints it: keeps the microseconds a JS Date would drop. */
  createdAt: string;
  id: string;
}

/** Reads orders for the sales export, page by page in (created_at, id) order. */
@Injectable()
export class SalesExportRepository {
  async page(
    m: EntityManager,
    period: { from: Date; to: Date },
    after: SalesCursor | null,
    limit: number,
  ): Promise<{ rows: SalesRow[]; next: SalesCursor | null }> {
    const rows: {
      id: string;
      created_at: Date;
      created_key: string;
      status: string;
      email: string;
      items: string | null;
      subtotal: string;
      total: string;
      currency: string;
      amount_refunded: string;
    }[] = await m.query(
      `SELECT o.id, o.created_at, o.created_at::text AS created_key, o.status, u.email,
              (SELECT string_agg(l.sku || ' x ' || l.quantity, '; ' ORDER BY l.sku)
                 FROM order_lines l WHERE l.order_id = o.id) AS items,
              o.subtotal, o.total, o.currency, o.amount_refunded
         FROM orders o JOIN users u ON u.id = o.user_id
        WHERE o.created_at >= $1 AND o.created_at < $2
          AND ($3::timestamptz IS NULL OR (o.created_at, o.id) > ($3::timestamptz, $4::uuid))
        ORDER BY o.created_at, o.id
        LIMIT $5`,
      [period.from, period.to, after?.createdAt ?? null, after?.id ?? null, limit],
    );
    const last = rows[rows.length - 1];
    return {
      rows: rows.map((r) => ({
        id: r.id,
        createdAt: r.created_at.toISOString(),
        status: r.status,
        email: r.email,
        items: r.items ?? '',
        subtotal: Number(r.subtotal),
        total: Number(r.total),
        currency: r.currency.trim(),
        amountRefunded: Number(r.amount_refunded),
      })),
      next: rows.length === limit && last ? { createdAt: last.created_key, id: last.id } : null,
    };
  }
}
