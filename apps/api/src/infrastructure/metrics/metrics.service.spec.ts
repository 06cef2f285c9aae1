import { describe, expect, test } from '@jest/globals';

import { MetricsService } from './metrics.service.js';

const deferred = <T>() => {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

/** A scraped gauge whose readings the test hands out one by one. */
function gaugeOfReadings(minRefreshMs: number, readTimeoutMs?: number) {
  const metrics = new MetricsService();
  const readings: ReturnType<typeof deferred<number>>[] = [];
  metrics.scrapedGauge({
    name: 'test_depth',
    help: 'depth',
    labelNames: ['queue'],
    minRefreshMs,
    ...(readTimeoutMs === undefined ? {} : { readTimeoutMs }),
    read: () => {
      const next = deferred<number>();
      readings.push(next);
      return next.promise;
    },
    show: (gauge, n) => gauge.set({ queue: 'q' }, n),
  });
  const scrape = async (): Promise<string | undefined> =>
    (await metrics.exposition()).split('\n').find((l) => l.startsWith('test_depth{'));
  return { readings, scrape };
}

describe('MetricsService.scrapedGauge', () => {
  test('scrapes that come during a reading share it instead of starting more', async () => {
    const { readings, scrape } = gaugeOfReadings(0);
    const first = scrape();
    const second = scrape();
    const third = scrape();
    await new Promise((r) => setImmediate(r));
    expect(readings).toHaveLength(1);
    readings[0]!.resolve(7);
    expect(await Promise.all([first, second, third])).toEqual([
      'test_depth{queue="q"} 7',
      'test_depth{queue="q"} 7',
      'test_depth{queue="q"} 7',
    ]);
    // Once it is done, the next scrape reads again.
    const fourth = scrape();
    await new Promise((r) => setImmediate(r));
    expect(readings).toHaveLength(2);
    readings[1]!.resolve(9);
    expect(await fourth).toBe('test_depth{queue="q"} 9');
  });

  test('scrapes within the refresh interval reuse the last reading', async () => {
    const { readings, scrape } = gaugeOfReadings(60_000);
    const first = scrape();
    await new Promise((r) => setImmediate(r));
    readings[0]!.resolve(3);
    expect(await first).toBe('test_depth{queue="q"} 3');
    expect(await scrape()).toBe('test_depth{queue="q"} 3');
    expect(readings).toHaveLength(1);
  });

  test('a failed reading keeps the last figures, and none before the first', async () => {
    const { readings, scrape } = gaugeOfReadings(0);
    const failedFirst = scrape();
    await new Promise((r) => setImmediate(r));
    readings[0]!.reject(new Error('database unreachable'));
    expect(await failedFirst).toBeUndefined();

    const ok = scrape();
    await new Promise((r) => setImmediate(r));
    readings[1]!.resolve(5);
    expect(await ok).toBe('test_depth{queue="q"} 5');

    const failedLater = scrape();
    await new Promise((r) => setImmediate(r));
    readings[2]!.reject(new Error('database unreachable'));
    expect(await failedLater).toBe('test_depth{queue="q"} 5');
  });

  test('a reading that hangs is given up after its time: the last figures show, the next scrape reads again', async () => {
    const { readings, scrape } = gaugeOfReadings(0, 50);
    const first = scrape();
    await new Promise((r) => setImmediate(r));
    readings[0]!.resolve(4);
    expect(await first).toBe('test_depth{queue="q"} 4');

    // Never answers.
    expect(await scrape()).toBe('test_depth{queue="q"} 4');
    expect(readings).toHaveLength(2);
    const next = scrape();
    await new Promise((r) => setImmediate(r));
    expect(readings).toHaveLength(3);
    readings[2]!.resolve(6);
    expect(await next).toBe('test_depth{queue="q"} 6');
  });
});
