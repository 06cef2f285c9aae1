import { setTimeout as sleep } from 'node:timers/promises';

import { Injectable } from '@nestjs/common';
import {
  collectDefaultMetrics,
  Counter,
  type CounterConfiguration,
  Gauge,
  type GaugeConfiguration,
  Histogram,
  type HistogramConfiguration,
  type Metric,
  Registry,
} from 'prom-client';

/**
 * The app's Prometheus registry. One per app instance (not prom-client's
 * global one), so several apps in one process, as in the tests, never clash
 * over a metric name.
 *
 * Features declare their own metrics here, e.g. in a provider's constructor:
 * ```ts
 * this.ordersByStatus = metrics.gauge({
 *   name: 'minishop_orders', help: 'Orders by status', labelNames: ['status'],
 *   collect: async function () { ...; this.set({ status }, n); },
 * });
 * ```
 * Asking twice for the same name returns the first metric, so a provider
 * built twice does not throw "already registered".
 */
/** The longest a scraped gauge's reading is waited for; past it, the last figures are shown. */
export const SCRAPED_READ_TIMEOUT_MS = 5_000;

@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  constructor() {
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 10 });
  }

  counter<L extends string>(config: Omit<CounterConfiguration<L>, 'registers'>): Counter<L> {
    return (
      this.existing(config.name, Counter) ?? new Counter({ ...config, registers: [this.registry] })
    );
  }

  gauge<L extends string>(config: Omit<GaugeConfiguration<L>, 'registers'>): Gauge<L> {
    return (
      this.existing(config.name, Gauge) ?? new Gauge({ ...config, registers: [this.registry] })
    );
  }

  /**
   * A gauge whose figures are read at scrape time (a grouped count in the
   * database, say) rather than kept up to date on a hot path. Scrapes closer
   * together than `minRefreshMs` share one reading, as every instance is
   * scraped on its own, and scrapes that come while a reading is under way
   * wait for that one rather than start another (a slow count must not
   * pile up). A reading that fails (the database unreachable, which
   * readiness reports) leaves the last figures shown, or none before the
   * first. `show` sets the gauge from a reading.
   */
  scrapedGauge<L extends string, R>(
    config: Omit<GaugeConfiguration<L>, 'registers' | 'collect'> & {
      minRefreshMs: number;
      /** How long a reading is waited for (SCRAPED_READ_TIMEOUT_MS unless given). */
      readTimeoutMs?: number;
      read: () => Promise<R>;
      show: (gauge: Gauge<L>, reading: R) => void;
    },
  ): Gauge<L> {
    const { minRefreshMs, readTimeoutMs = SCRAPED_READ_TIMEOUT_MS, read, show, ...gauge } = config;
    let last: { at: number; reading: R } | undefined;
    let reading: Promise<void> | undefined;
    const refresh = async (): Promise<void> => {
      const at = Date.now();
      const timer = new AbortController();
      try {
        // Bounded: scrapes wait for the one reading, and one that hangs (a
        // table locked, a connection gone silent) must not hold them all.
        const timedOut = sleep(readTimeoutMs, undefined, { signal: timer.signal }).then(() =>
          Promise.reject(new Error('the reading timed out')),
        );
        last = { at, reading: await Promise.race([read(), timedOut]) };
      } catch {
        // The last figures stay.
      } finally {
        timer.abort();
        reading = undefined;
      }
    };
    return this.gauge<L>({
      ...gauge,
      async collect() {
        if (!last || Date.now() - last.at >= minRefreshMs) await (reading ??= refresh());
        if (last) show(this, last.reading);
      },
    });
  }

  histogram<L extends string>(config: Omit<HistogramConfiguration<L>, 'registers'>): Histogram<L> {
    return (
      this.existing(config.name, Histogram) ??
      new Histogram({ ...config, registers: [this.registry] })
    );
  }

  /** The exposition text of every metric, as served by `GET /metrics`. */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private existing<M>(name: string, kind: abstract new (...args: never[]) => M): M | undefined {
    const metric: Metric | undefined = this.registry.getSingleMetric(name);
    if (metric === undefined) return undefined;
    if (!(metric instanceof kind)) {
      throw new Error(`Metric ${name} is already registered as another kind`);
    }
    return metric;
  }
}
