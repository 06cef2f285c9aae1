import { describe, expect, test } from '@jest/globals';

import { WorkerDeaths } from './worker-deaths.js';

const SECOND = 1_000;

describe('WorkerDeaths', () => {
  test('workers that die at once: a restart each, then giving up past the limit within a minute', () => {
    const deaths = new WorkerDeaths<object>(5);
    const verdicts = Array.from({ length: 6 }, (_, i) => deaths.died({}, i * SECOND));
    expect(verdicts.slice(0, 5)).toEqual(
      [500, 1000, 1500, 2000, 2500].map((ms) => ({ restartAfterMs: ms })),
    );
    expect(verdicts[5]).toBe('give-up');
  });

  test('workers that each take 14 s to fail to start: giving up after as many in a row', () => {
    const deaths = new WorkerDeaths<object>(5);
    const verdicts = Array.from({ length: 6 }, (_, i) => deaths.died({}, i * 14 * SECOND));
    expect(verdicts.slice(0, 5).every((v) => v !== 'give-up')).toBe(true);
    expect(verdicts[5]).toBe('give-up');
    expect(deaths.counts()).toEqual({ deaths: 5, failedStarts: 6 });
  });

  test('workers that served before dying, spread out, are restarted for ever', () => {
    const deaths = new WorkerDeaths<object>(5);
    for (let i = 0; i < 50; i++) {
      const worker = {};
      deaths.listening(worker);
      expect(deaths.died(worker, i * 14 * SECOND)).not.toBe('give-up');
    }
  });

  test('a worker that listens ends a run of failed starts', () => {
    const deaths = new WorkerDeaths<object>(2);
    expect(deaths.died({}, 0)).not.toBe('give-up');
    expect(deaths.died({}, 61 * SECOND)).not.toBe('give-up');
    deaths.listening({});
    expect(deaths.died({}, 122 * SECOND)).not.toBe('give-up');
    expect(deaths.died({}, 183 * SECOND)).not.toBe('give-up');
    expect(deaths.died({}, 244 * SECOND)).toBe('give-up');
  });
});
