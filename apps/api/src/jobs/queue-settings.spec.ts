import { describe, expect, test } from '@jest/globals';
import type PgBoss from 'pg-boss';

import { queueIsCurrent, type QueueSettings } from './queue-settings.js';

const settings: QueueSettings = {
  name: 'mail.send',
  retryLimit: 5,
  retryDelay: 30,
  retryBackoff: true,
  expireInSeconds: 120,
  deadLetter: 'mail.send.dlq',
};

/** A queue as getQueues() reads it back. */
const row = (queue: Partial<PgBoss.QueueResult> & { name: string }): PgBoss.QueueResult => ({
  policy: 'standard',
  retentionMinutes: 20160,
  createdOn: new Date(),
  updatedOn: new Date(),
  ...queue,
});

const storedAs = (...queues: PgBoss.QueueResult[]) => new Map(queues.map((q) => [q.name, q]));

describe('queueIsCurrent', () => {
  test('a queue and its dead-letter queue stored as declared need no writes', () => {
    expect(queueIsCurrent(storedAs(row(settings), row({ name: 'mail.send.dlq' })), settings)).toBe(
      true,
    );
  });

  test('a missing queue or dead-letter queue is created', () => {
    expect(queueIsCurrent(storedAs(row({ name: 'mail.send.dlq' })), settings)).toBe(false);
    expect(queueIsCurrent(storedAs(row(settings)), settings)).toBe(false);
  });

  test.each([
    ['retryLimit', 3],
    ['retryDelay', 10],
    ['retryBackoff', false],
    ['expireInSeconds', 300],
    ['deadLetter', 'other.dlq'],
    ['policy', 'singleton'],
  ] as const)('a stored %s other than declared is updated', (field, value) => {
    const stored = storedAs(row({ ...settings, [field]: value }), row({ name: 'mail.send.dlq' }));
    expect(queueIsCurrent(stored, settings)).toBe(false);
  });
});
