import { EmulatorError, type Params } from './emulator-store.js';
import type { DeliveryResult, EmulatedEvent } from './webhook-dispatcher.js';

const MAX_LIMIT = 100;
const DEFAULT_LIMIT = 10;

/**
 * The events whose webhook has not been delivered yet, still being retried
 * or given up on, as Stripe lists them for `GET /v1/events?delivery_success=false`:
 * how a shop catches up on events its endpoint missed. Delivered events are
 * forgotten, so memory holds only what went wrong.
 */
export class UndeliveredEvents {
  /** In creation order. */
  private readonly events = new Map<string, EmulatedEvent>();

  add(event: EmulatedEvent, delivery: Promise<DeliveryResult>): void {
    this.events.set(event.id, event);
    void delivery.then((result) => {
      if (result.delivered) this.events.delete(event.id);
    });
  }

  /** Stripe's list object, newest first, paged with `limit` and `starting_after`. */
  list(query: Params): {
    object: 'list';
    data: EmulatedEvent[];
    has_more: boolean;
    url: string;
  } {
    if (query.delivery_success !== 'false') {
      throw new EmulatorError(
        400,
        'invalid_request_error',
        'The emulator lists only undelivered events: send delivery_success=false.',
        'parameter_missing',
        'delivery_success',
      );
    }
    const since = integerParam(query.created, 'created[gte]', (created) =>
      created !== null && typeof created === 'object' ? (created as Params).gte : created,
    );
    const limit = integerParam(query.limit, 'limit') ?? DEFAULT_LIMIT;
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new EmulatorError(
        400,
        'invalid_request_error',
        `limit must be between 1 and ${MAX_LIMIT}.`,
        'parameter_invalid_integer',
        'limit',
      );
    }
    let newestFirst = [...this.events.values()].reverse();
    if (since !== undefined) newestFirst = newestFirst.filter((e) => e.created >= since);
    const after = query.starting_after;
    if (after !== undefined) {
      const at = typeof after === 'string' ? newestFirst.findIndex((e) => e.id === after) : -1;
      if (at < 0) {
        throw new EmulatorError(
          400,
          'invalid_request_error',
          `No such event: '${String(after)}'`,
          'resource_missing',
          'starting_after',
        );
      }
      newestFirst = newestFirst.slice(at + 1);
    }
    return {
      object: 'list',
      data: newestFirst.slice(0, limit),
      has_more: newestFirst.length > limit,
      url: '/v1/events',
    };
  }
}

function integerParam(
  raw: unknown,
  name: string,
  pick: (raw: unknown) => unknown = (r) => r,
): number | undefined {
  const value = pick(raw);
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d{1,15}$/.test(value)) {
    throw new EmulatorError(
      400,
      'invalid_request_error',
      `Invalid integer: ${String(value)}`,
      'parameter_invalid_integer',
      name,
    );
  }
  return Number(value);
}
