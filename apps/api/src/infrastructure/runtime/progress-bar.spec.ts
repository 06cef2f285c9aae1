import { Writable } from 'node:stream';

import { describe, expect, test } from '@jest/globals';
import { SingleBar } from 'cli-progress';

import { withProgressBar } from './progress-bar.js';

// noTTYOutput: the bar runs (with its timer) as it does on a terminal.
const aBar = () =>
  new SingleBar({ noTTYOutput: true, stream: new Writable({ write: (_c, _e, done) => done() }) });

describe('withProgressBar', () => {
  test('stops the bar when the work succeeds', async () => {
    const bar = aBar();
    await expect(withProgressBar(bar, async (progress) => (progress(1, 2), 'done'))).resolves.toBe(
      'done',
    );
    expect(bar.isActive).toBe(false);
  });

  test('stops the bar when the work fails midway, and passes the failure on', async () => {
    const bar = aBar();
    const failed = withProgressBar(bar, async (progress) => {
      progress(0, 10);
      progress(5, 10);
      throw new Error('the database went away');
    });
    await expect(failed).rejects.toThrow('the database went away');
    expect(bar.isActive).toBe(false);
  });
});
