import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export type PaymentEventStatus = 'pending' | 'processed' | 'deferred' | 'ignored' | 'failed';

/** How an event first arrived: its webhook, or the catch-up on events whose webhook never came. */
export type PaymentEventArrival = 'webhook' | 'catch-up';

/** One Stripe event as received, keyed by Stripe's event id so a redelivery is recognised. */
@Entity({ name: 'payment_events' })
export class PaymentEventOrmEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text' })
  type!: string;

  @Index()
  @Column({ name: 'object_id', type: 'text', nullable: true })
  objectId!: string | null;

  @Column({ type: 'jsonb' })
  payload!: unknown;

  @Column({ type: 'text', default: 'pending' })
  status!: PaymentEventStatus;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  /** Why the last attempt failed, or why an event that could not be used was ignored. */
  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'event_created_at', type: 'timestamptz' })
  eventCreatedAt!: Date;

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt!: Date;

  @Column({ name: 'arrived_via', type: 'text', default: 'webhook' })
  arrivedVia!: PaymentEventArrival;

  @Column({ name: 'processed_at', type: 'timestamptz', nullable: true })
  processedAt!: Date | null;

  /** The delivery that holds the event's lease, until `claimedUntil`. */
  @Column({ name: 'claim_token', type: 'uuid', nullable: true })
  claimToken!: string | null;

  @Column({ name: 'claimed_until', type: 'timestamptz', nullable: true })
  claimedUntil!: Date | null;
}
