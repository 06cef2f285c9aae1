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
