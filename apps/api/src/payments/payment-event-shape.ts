import {
  unstorableTextIn,
  unstorableTextMessage,
} from '../infrastructure/database/unstorable-text.js';
import type { PaymentEvent } from './stripe-event.js';

/** 9999-12-31T23:59:59Z: the last second a timestamptz shows in four digits. */
const LATEST_CREATED = 253_402_300_799;
/**
 * Stripe's ids and event types are at most 255 characters. Ids are stored
 * and indexed, and a few kilobytes exceed what one index entry can hold:
 * a 500 for every delivery, which Stripe retries for days.
 */
const MAX_ID_LENGTH = 255;

const fits = (value: unknown) => typeof value !== 'string' || value.length <= MAX_ID_LENGTH;

function isEventShaped(value: unknown): value is PaymentEvent {
  const e = value as {
    id?: unknown;
    type?: unknown;
    created?: unknown;
    data?: { object?: unknown };
  };
  return (
    typeof e?.id === 'string' &&
    e.id.length > 0 &&
    fits(e.id) &&
    typeof e.type === 'string' &&
    fits(e.type) &&
    // Unix seconds, as Stripe sends them; anything else is no time at all.
    Number.isSafeInteger(e.created) &&
    (e.created as number) >= 0 &&
    (e.created as number) <= LATEST_CREATED &&
    typeof e.data?.object === 'object' &&
    e.data.object !== null &&
    // The object's id (a dispute's charge) is stored and indexed beside the event's.
    fits((e.data.object as { id?: unknown }).id) &&
    fits((e.data.object as { charge?: unknown }).charge)
  );
}

/** What `paymentEventDefectOf` says of something that is no event at all. */
export const NOT_AN_EVENT = 'not an event';

/**
 * Why a value from the provider cannot be taken in as a payment event:
 * 'not an event', or that it `cannot be stored` (the event is kept as jsonb
 * before it is applied, and would fail that insert as a 500, which the
 * provider retries for days); undefined when it can.
 */
export function paymentEventDefectOf(value: unknown): string | undefined {
  if (!isEventShaped(value)) return NOT_AN_EVENT;
  const unstorable = unstorableTextIn(value);
  if (unstorable) {
    return `cannot be stored: ${unstorableTextMessage(unstorable.path, unstorable.reason)}`;
  }
  return undefined;
}
