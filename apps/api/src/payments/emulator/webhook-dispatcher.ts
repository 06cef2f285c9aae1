import { errorMessage } from '../../infrastructure/logging/error-message.js';
import { loadStripeSdk } from '../stripe/stripe-sdk.js';

export interface EmulatedEvent {
  id: string;
  object: 'event';
  api_version: string;
  created: number;
  data: { object: unknown };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
}

export interface DeliveryResult {
  delivered: boolean;
  attempts: number;
  /** The last HTTP status, or the network error's message. */
  last: string;
}

export interface DispatcherOptions {
  url: () => string;
  secret: string;
  /** Waits between attempts; one attempt more than there are delays. */
  retryDelaysMs: readonly number[];
  onGiveUp?: (event: EmulatedEvent, result: DeliveryResult) => void;
}

/**
 * Delivers events the way Stripe does: a POST signed with the endpoint
 * secret, retried after a non-2xx or a network error. Runs in the background,
 * so the API call that caused the event answers first.
 */
export class WebhookDispatcher {
  private readonly deliveries = new Map<string, Promise<DeliveryResult>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly cancels = new Set<() => void>();
  private closed = false;

  constructor(private readonly options: DispatcherOptions) {}

  send(event: EmulatedEvent): void {
    const result = this.deliver(event);
    this.deliveries.set(event.id, result);
  }

  /** Settles once the event was accepted or given up on; never rejects. */
  delivery(eventId: string): Promise<DeliveryResult> | undefined {
    return this.deliveries.get(eventId);
  }

  /** Settles when every event sent so far was delivered or given up on. */
  async idle(): Promise<void> {
    await Promise.all(this.deliveries.values());
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const cancel of this.cancels) cancel();
    this.cancels.clear();
  }

  private async deliver(event: EmulatedEvent): Promise<DeliveryResult> {
    const payload = JSON.stringify(event);
    let last = '';
    for (let attempt = 1; ; attempt++) {
      if (this.closed) return { delivered: false, attempts: attempt - 1, last: 'closed' };
      try {
        // Signed per attempt, as Stripe does: a retry carries a fresh timestamp.
        const signature = (await loadStripeSdk()).webhooks.generateTestHeaderString({
          payload,
          secret: this.options.secret,
        });
        const response = await fetch(this.options.url(), {
          method: 'POST',
          headers: {
            'content-type': 'application/json; charset=utf-8',
            'stripe-signature': signature,
            'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
          },
          body: payload,
          signal: AbortSignal.timeout(10_000),
        });
        await response.body?.cancel();
        last = String(response.status);
        if (response.ok) return { delivered: true, attempts: attempt, last };
      } catch (error) {
        last = errorMessage(error);
      }
      const wait = this.options.retryDelaysMs[attempt - 1];
      if (wait === undefined || this.closed) {
        const result = { delivered: false, attempts: attempt, last };
        this.options.onGiveUp?.(event, result);
        return result;
      }
      await this.sleep(wait);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const cancel = () => {
        clearTimeout(timer);
        this.timers.delete(timer);
        this.cancels.delete(cancel);
        resolve();
      };
      const timer = setTimeout(cancel, ms);
      this.timers.add(timer);
      this.cancels.add(cancel);
    });
  }
}
