import { randomUUID } from 'node:crypto';

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager, In } from 'typeorm';

import { storablePrefix } from '../../infrastructure/database/unstorable-text.js';
import type { PaymentEventOutcome } from '../payment-event-handler.js';
import { eventObjectId, type PaymentEvent } from '../stripe-event.js';
import {
  type PaymentEventArrival,
  PaymentEventOrmEntity,
  type PaymentEventStatus,
} from './payment-event.orm-entity.js';
import {
  type CaughtUpCount,
  type EventClaim,
  PaymentEventRepository,
} from './payment-event.repository.js';

const MAX_ERROR_LENGTH = 2_000;

@Injectable()
export class TypeOrmPaymentEventRepository extends PaymentEventRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    super();
  }

  async recordIfNew(event: PaymentEvent, via: PaymentEventArrival): Promise<boolean> {
    // INSERT ... ON CONFLICT DO NOTHING: concurrent deliveries of one event
    // race on the primary key, and exactly one of them stores it.
    const result = await this.dataSource
      .createQueryBuilder()
      .insert()
      .into(PaymentEventOrmEntity)
      .values({
        id: event.id,
        type: event.type,
        objectId: eventObjectId(event),
        payload: event,
        status: 'pending',
        eventCreatedAt: new Date(event.created * 1000),
        arrivedVia: via,
      })
      .orIgnore()
      .returning(['id'])
      .execute();
    return (result.raw as unknown[]).length > 0;
  }

  async claim(
    id: string,
    statuses: readonly PaymentEventStatus[],
    leaseMs: number,
  ): Promise<EventClaim> {
    const token = randomUUID();
    // One statement: concurrent claims queue on the row's lock, and each
    // re-reads the row as the one before left it (READ COMMITTED), so only
    // the first finds it free. `open` is read from the statement's snapshot:
    // open but not claimed here means another delivery holds the lease.
    const [row] = (await this.dataSource.query(
      `WITH claimed AS (
         UPDATE payment_events
            SET claim_token = $2, claimed_until = now() + $3 * interval '1 millisecond'
          WHERE id = $1 AND status = ANY($4::text[])
            AND (claimed_until IS NULL OR claimed_until <= now())
         RETURNING payload)
       SELECT (SELECT payload FROM claimed) AS payload,
              EXISTS (SELECT 1 FROM payment_events WHERE id = $1 AND status = ANY($4::text[])) AS open`,
      [id, token, leaseMs, [...statuses]],
    )) as { payload: PaymentEvent | null; open: boolean }[];
    if (row?.payload) return { kind: 'claimed', event: row.payload, token };
    return row?.open ? { kind: 'busy' } : { kind: 'settled' };
  }

  async lockForHandling(
    id: string,
    statuses: readonly PaymentEventStatus[],
    manager: EntityManager,
  ): Promise<PaymentEvent | null> {
    const row = await manager
      .getRepository(PaymentEventOrmEntity)
      .createQueryBuilder('e')
      .select(['e.id', 'e.payload'])
      .where('e.id = :id', { id })
      .andWhere('e.status IN (:...statuses)', { statuses })
      .setLock('pessimistic_write')
      .setOnLocked('skip_locked')
      .getOne();
    return row ? (row.payload as PaymentEvent) : null;
  }

  async markHandled(
    id: string,
    outcome: PaymentEventOutcome,
    token: string,
    manager: EntityManager,
    reason?: string,
  ): Promise<void> {
    // Only this holder's lease ends: one that took the event over keeps
    // its own, so no third delivery may prepare it meanwhile.
    const ownLease = (column: string) =>
      `CASE WHEN claim_token = :token THEN NULL ELSE ${column} END`;
    await manager
      .createQueryBuilder()
      .update(PaymentEventOrmEntity)
      .set({
        status: outcome,
        attempts: () => 'attempts + 1',
        lastError: reason === undefined ? null : storablePrefix(reason, MAX_ERROR_LENGTH),
        processedAt: outcome === 'deferred' ? null : () => 'now()',
        claimToken: () => ownLease('claim_token'),
        claimedUntil: () => ownLease('claimed_until'),
      })
      .where('id = :id', { id })
      .setParameter('token', token)
      .execute();
  }

  async release(id: string, token: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE payment_events SET claim_token = NULL, claimed_until = NULL
        WHERE id = $1 AND claim_token = $2`,
      [id, token],
    );
  }

  async markFailed(
    id: string,
    error: string,
    status: 'failed' | 'deferred',
    token: string,
  ): Promise<void> {
    await this.dataSource
      .createQueryBuilder()
      .update(PaymentEventOrmEntity)
      .set({
        status,
        attempts: () => 'attempts + 1',
        lastError: storablePrefix(error, MAX_ERROR_LENGTH),
        claimToken: null,
        claimedUntil: null,
      })
      // A failure never overwrites a concurrent success, nor the lease of a
      // delivery that took the event over after this one's ran out.
      .where('id = :id AND status IN (:...open) AND claim_token = :token', {
        id,
        open: ['pending', 'failed', 'deferred'],
        token,
      })
      .execute();
  }

  async withDeferredEvents(
    objectIds: readonly string[],
    manager: EntityManager,
  ): Promise<string[]> {
    if (objectIds.length === 0) return [];
    // payment_events_object_id_idx: a payment's one charge (or few) is looked up.
    const rows = (await manager.query(
      `SELECT DISTINCT object_id AS "objectId" FROM payment_events
        WHERE object_id = ANY($1::text[]) AND status = 'deferred'`,
      [objectIds],
    )) as { objectId: string }[];
    return rows.map((r) => r.objectId);
  }

  async deferredIds(filter: { objectId?: string; limit: number }): Promise<string[]> {
    const rows = await this.dataSource.getRepository(PaymentEventOrmEntity).find({
      select: { id: true },
      where: {
        status: In(['deferred']),
        ...(filter.objectId !== undefined ? { objectId: filter.objectId } : {}),
      },
      order: { eventCreatedAt: 'ASC', receivedAt: 'ASC' },
      take: filter.limit,
    });
    return rows.map((r) => r.id);
  }

  async deferredPage(filter: {
    after?: PaymentEvent;
    limit: number;
    belowAttempts?: number;
  }): Promise<PaymentEvent[]> {
    // A range of payment_events_open_idx (deferred and failed events only),
    // however large the table grows.
    const after = filter.after;
    const rows = (await this.dataSource.query(
      `SELECT payload FROM payment_events
        WHERE status = 'deferred'
          AND ($2::timestamptz IS NULL OR (event_created_at, id) > ($2, $3::text))
          AND ($4::int IS NULL OR attempts < $4)
        ORDER BY event_created_at, id
        LIMIT $1`,
      [
        filter.limit,
        after ? new Date(after.created * 1000) : null,
        after ? after.id : null,
        filter.belowAttempts ?? null,
      ],
    )) as { payload: PaymentEvent }[];
    return rows.map((r) => r.payload);
  }

  async deferredTriedAtLeast(attempts: number): Promise<number> {
    const [row] = await this.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM payment_events WHERE status = 'deferred' AND attempts >= $1`,
      [attempts],
    );
    return row?.n ?? 0;
  }

  async status(id: string): Promise<PaymentEventStatus | null> {
    const row = await this.dataSource
      .getRepository(PaymentEventOrmEntity)
      .findOne({ select: { status: true }, where: { id } });
    return row?.status ?? null;
  }

  async settledIds(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    // A deferred event is stored and waits for its payment: the catch-up has
    // nothing to take in, and the job that re-applies waiting events
    // (DeferredEventRetry) applies it once its order has been paid.
    // One array parameter, however many ids: In() binds one parameter per
    // id, and PostgreSQL refuses a statement with more than 65,535.
    const rows = (await this.dataSource.query(
      `SELECT id FROM payment_events
        WHERE id = ANY($1::text[]) AND status IN ('processed', 'deferred', 'ignored')`,
      [[...ids]],
    )) as { id: string }[];
    return new Set(rows.map((r) => r.id));
  }

  async caughtUpCounts(seconds: number): Promise<CaughtUpCount[]> {
    // A range of payment_events_caught_up_idx: at most what the catch-up
    // took in over that time, which its runs bound, however large the table.
    return (await this.dataSource.query(
      `SELECT type, status, count(*)::int AS count FROM payment_events
        WHERE arrived_via = 'catch-up' AND received_at >= now() - $1 * interval '1 second'
        GROUP BY type, status`,
      [seconds],
    )) as CaughtUpCount[];
  }
}
