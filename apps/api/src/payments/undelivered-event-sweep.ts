import { PaymentNotFoundError } from '@minishop/domain';
import { Injectable, Logger } from '@nestjs/common';

import { paymentEventDefectOf } from './payment-event-shape.js';
import { PaymentGateway, type UndeliveredEventsPage } from './payment-gateway.js';
import { CatchUpSweepRepository } from './persistence/catch-up-sweep.repository.js';
import { PaymentEventRepository } from './persistence/payment-event.repository.js';
import { APPLIED_EVENT_TYPES, type PaymentEvent } from './stripe-event.js';

export interface SweepLimits {
  /** Events created before this are not asked for. */
  since: Date;
  /** Events created later (Unix seconds) are left to their webhook, still being tried. */
  settledBefore: number;
  /** Pages listed at most. */
  maxPages: number;
  /** Due events kept at most: the oldest of those listed. */
  maxDue: number;
  /** `performance.now()` past which no further page is asked for (the first one always is). */
  listUntil: number;
}

export interface DueEvents {
  /** Listed, old enough, and not settled here yet: oldest first. */
  events: PaymentEvent[];
  /** Undelivered events listed, those younger than the settle time included. */
  listed: number;
  /** Listed, and settled here already (by a delivery or an earlier run). */
  known: number;
  /** Listed, but not an event, or one that cannot be stored. */
  unusable: number;
  /** Events were left for a later run: due ones beyond `maxDue`, or pages past a limit. */
  more: boolean;
}

/**
 * The next stretch of the sweep through the provider's undelivered events.
 *
 * The provider lists them newest first, and goes on listing an event until
 * every endpoint of the account has it: events taken in here long ago are
 * listed for days among the few still due. So a run reads a bounded number
 * of pages, drops each page's settled events with one query, and keeps only
 * the oldest `maxDue` of the rest: memory holds a page and those, and the
 * time spent is bounded, whatever the backlog. A run stopped short of the
 * end records the last event it listed; the next one goes on after it, and
 * the one that reaches the end starts the sweep again from the newest, so
 * every listed event is met within a sweep however long the listing.
 */
@Injectable()
export class UndeliveredEventSweep {
  private readonly logger = new Logger(UndeliveredEventSweep.name);

  constructor(
    private readonly payments: PaymentGateway,
    private readonly events: PaymentEventRepository,
    private readonly sweep: CatchUpSweepRepository,
  ) {}

  /** A provider outage while listing throws: the sweep stays where it was. */
  async next(limits: SweepLimits): Promise<DueEvents> {
    const due: DueEvents = { events: [], listed: 0, known: 0, unusable: 0, more: false };
    let startingAfter = (await this.sweep.resumeAfter()) ?? undefined;
    let resumeAfter: string | null = null;
    for (let pages = 0; ;) {
      let page: UndeliveredEventsPage;
      try {
        page = await this.payments.undeliveredEvents({
          since: limits.since,
          types: APPLIED_EVENT_TYPES,
          ...(startingAfter ? { startingAfter } : {}),
        });
      } catch (error) {
        if (pages > 0 || !startingAfter || !(error instanceof PaymentNotFoundError)) throw error;
        // The event the sweep stopped after is no longer known (Stripe keeps
        // events thirty days): the sweep starts again from the newest.
        this.logger.warn(
          `The payment provider no longer knows event ${startingAfter}, where the catch-up's sweep stopped: starting again from the newest`,
        );
        startingAfter = undefined;
        continue;
      }
      pages++;
      due.listed += page.events.length;
      await this.keepDue(page.events, limits.settledBefore, due);
      if (due.events.length > limits.maxDue) {
        // Newest first: the newest go, and the next sweep meets them again.
        due.events.splice(0, due.events.length - limits.maxDue);
        due.more = true;
      }
      if (!page.hasMore) break;
      const last = page.events.at(-1) as { id?: unknown } | undefined;
      if (typeof last?.id !== 'string') {
        this.logger.warn(
          'The payment provider listed more undelivered events after one without an id: the sweep starts again from the newest',
        );
        due.more = true;
        break;
      }
      if (pages >= limits.maxPages || performance.now() >= limits.listUntil) {
        resumeAfter = last.id;
        due.more = true;
        break;
      }
      startingAfter = last.id;
    }
    await this.sweep.saveResumeAfter(resumeAfter);
    due.events.reverse();
    return due;
  }

  /** Appends the page's events that are old enough and not settled here, newest first. */
  private async keepDue(page: unknown[], settledBefore: number, due: DueEvents): Promise<void> {
    const candidates: PaymentEvent[] = [];
    for (const value of page) {
      const defect = paymentEventDefectOf(value);
      if (defect) {
        due.unusable++;
        this.logger.warn(`An undelivered event from the payment provider is ${defect}: skipped`);
      } else if ((value as PaymentEvent).created <= settledBefore) {
        candidates.push(value as PaymentEvent);
      }
    }
    const settled = await this.events.settledIds(candidates.map((e) => e.id));
    for (const event of candidates) {
      if (settled.has(event.id)) due.known++;
      else due.events.push(event);
    }
  }
}
