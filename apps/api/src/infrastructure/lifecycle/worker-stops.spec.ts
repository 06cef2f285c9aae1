import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';

import { type StoppableWorker, WorkerStops } from './worker-stops.js';

const GRACE_MS = 10_000;
// What WorkerStops allows past the grace (STOP_MARGIN_MS).
const STOP_DEADLINE_MS = GRACE_MS + 10_000;
// What a worker that does not serve yet gets on top, to finish its start (START_MS).
const START_MS = 60_000;

/** A cluster worker as the primary sees it: the signals it was sent. */
function aWorker(id: number): StoppableWorker & { signals: NodeJS.Signals[] } {
  const signals: NodeJS.Signals[] = [];
  return { id, signals, process: { kill: (signal: NodeJS.Signals) => signals.push(signal) } };
}

describe('WorkerStops', () => {
  let stops: WorkerStops;

  beforeEach(() => {
    jest.useFakeTimers();
    stops = new WorkerStops(GRACE_MS);
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  describe('a worker serving before the stop', () => {
    test('is sent SIGTERM at once, and SIGKILL only once its deadline has passed', () => {
      const worker = aWorker(1);
      stops.handlesStop(worker);
      stops.serves(worker);

      stops.stopAll([worker]);
      expect(worker.signals).toEqual(['SIGTERM']);

      jest.advanceTimersByTime(STOP_DEADLINE_MS - 1);
      expect(worker.signals).toEqual(['SIGTERM']);
      jest.advanceTimersByTime(1);
      expect(worker.signals).toEqual(['SIGTERM', 'SIGKILL']);
    });

    test('that exits in time is never killed', () => {
      const worker = aWorker(1);
      stops.handlesStop(worker);
      stops.serves(worker);
      stops.stopAll([worker]);

      stops.exited(worker);
      jest.runAllTimers();
      expect(worker.signals).toEqual(['SIGTERM']);
    });
  });

  describe('a worker still starting when the stop begins', () => {
    test('that handles SIGTERM gets it at once, and the time to finish its start before the grace', () => {
      const worker = aWorker(1);
      stops.handlesStop(worker);

      stops.stopAll([worker]);
      expect(worker.signals).toEqual(['SIGTERM']);
      jest.advanceTimersByTime(START_MS + STOP_DEADLINE_MS - 1);
      expect(worker.signals).toEqual(['SIGTERM']);
      jest.advanceTimersByTime(1);
      expect(worker.signals).toEqual(['SIGTERM', 'SIGKILL']);
    });

    test('is sent SIGTERM when it says it is ready, and its deadline counts from then', () => {
      const early = aWorker(1);
      const late = aWorker(2);
      stops.handlesStop(early);
      stops.serves(early);

      stops.stopAll([early, late]);
      expect(late.signals).toEqual([]);
      // A loaded host: the second worker says it is ready 5 s after the stop.
      jest.advanceTimersByTime(5_000);
      stops.handlesStop(late);
      expect(late.signals).toEqual(['SIGTERM']);

      // The stop's deadline ends the first worker, not the second.
      jest.advanceTimersByTime(STOP_DEADLINE_MS - 5_000);
      expect(early.signals).toEqual(['SIGTERM', 'SIGKILL']);
      expect(late.signals).toEqual(['SIGTERM']);
      jest.advanceTimersByTime(5_000 + START_MS - 1);
      expect(late.signals).toEqual(['SIGTERM']);
      jest.advanceTimersByTime(1);
      expect(late.signals).toEqual(['SIGTERM', 'SIGKILL']);
    });

    test('that never says it is ready is still killed, after a start and a whole stop', () => {
      const worker = aWorker(1);
      stops.stopAll([worker]);

      // READY_MS, then a start and a stop as if it had spoken up at the last moment.
      jest.advanceTimersByTime(30_000 + START_MS + STOP_DEADLINE_MS - 1);
      expect(worker.signals).toEqual([]);
      jest.advanceTimersByTime(1);
      expect(worker.signals).toEqual(['SIGKILL']);
    });
  });

  test('a second stop signals no worker twice', () => {
    const worker = aWorker(1);
    stops.handlesStop(worker);
    stops.stopAll([worker]);
    stops.stopAll([worker]);
    jest.advanceTimersByTime(START_MS);
    expect(worker.signals).toEqual(['SIGTERM']);
  });
});
