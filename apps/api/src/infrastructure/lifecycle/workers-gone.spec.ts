import { EventEmitter } from 'node:events';

import { beforeEach, describe, expect, test } from '@jest/globals';

import { WorkersGone } from './workers-gone.js';

/** node:cluster as the primary sees it: the listed workers and their events. */
class FakeCluster extends EventEmitter {
  workers: Record<string, object> = {};

  fork(id: number): void {
    this.workers[id] = {};
  }

  /** The process ended; Node drops the worker only if it has disconnected too. */
  exit(id: number, { disconnected }: { disconnected: boolean }): void {
    if (disconnected) delete this.workers[id];
    this.emit('exit');
  }

  /** The IPC channel closed; Node drops the worker only if it has exited too. */
  disconnect(id: number, { exited }: { exited: boolean }): void {
    if (exited) delete this.workers[id];
    this.emit('disconnect');
  }
}

describe('WorkersGone', () => {
  let cluster: FakeCluster;
  let finished: number;
  let gone: WorkersGone;

  beforeEach(() => {
    cluster = new FakeCluster();
    finished = 0;
    gone = new WorkersGone(cluster, () => finished++);
  });

  test('a worker that exits before it disconnects: done on the disconnect, once', () => {
    cluster.fork(1);
    gone.watch();

    cluster.exit(1, { disconnected: false });
    expect(finished).toBe(0);
    cluster.disconnect(1, { exited: true });
    expect(finished).toBe(1);
  });

  test('a worker that disconnects before it exits: done on the exit, once', () => {
    cluster.fork(1);
    gone.watch();

    cluster.disconnect(1, { exited: false });
    expect(finished).toBe(0);
    cluster.exit(1, { disconnected: true });
    expect(finished).toBe(1);
  });

  test('several workers, events in any order: done when the last one is gone, never twice', () => {
    cluster.fork(1);
    cluster.fork(2);
    gone.watch();

    cluster.exit(1, { disconnected: false });
    cluster.disconnect(2, { exited: false });
    cluster.disconnect(1, { exited: true });
    expect(finished).toBe(0);
    cluster.exit(2, { disconnected: true });
    expect(finished).toBe(1);
    // Late or repeated events, and a second stop, change nothing.
    cluster.emit('exit');
    cluster.emit('disconnect');
    gone.watch();
    expect(finished).toBe(1);
  });

  test('no worker left when the stop begins: done at once', () => {
    gone.watch();
    expect(finished).toBe(1);
  });

  test('workers that go before any stop (crashes) do not finish it', () => {
    cluster.fork(1);
    cluster.exit(1, { disconnected: false });
    cluster.disconnect(1, { exited: true });
    expect(finished).toBe(0);
    cluster.fork(2);
    gone.watch();
    expect(finished).toBe(0);
  });
});
