import { describe, expect, test } from '@jest/globals';

import { Clock } from '../../infrastructure/clock/clock.js';
import { OUTAGE_WARNING_INTERVAL_MS, ThrottleStoreOutage } from './throttle-store-outage.js';

class ManualClock extends Clock {
  at = Date.parse('2026-11-26T10:00:00Z');
  now(): Date {
    return new Date(this.at);
  }
}

/** Keeps what was logged, by level. */
class RecordingLogger {
  readonly lines: { level: 'warn' | 'log'; fields: Record<string, unknown>; message: string }[] =
    [];
  warn(fields: Record<string, unknown>, message: string): void {
    this.lines.push({ level: 'warn', fields, message });
  }
  log(fields: Record<string, unknown>, message: string): void {
    this.lines.push({ level: 'log', fields, message });
  }
  levels(): string[] {
    return this.lines.map((l) => l.level);
  }
}

function setup() {
  const logger = new RecordingLogger();
  const clock = new ManualClock();
  return { logger, clock, outage: new ThrottleStoreOutage(logger, clock) };
}

describe('ThrottleStoreOutage', () => {
  test('one warning per outage however many requests and reconnects fail in it', () => {
    const { logger, outage } = setup();
    for (let i = 0; i < 50; i++) outage.failed(new Error('Command timed out'));
    expect(logger.levels()).toEqual(['warn']);
  });

  test('the warning says the store, that logins fail open, and where they are counted', () => {
    const { logger, outage } = setup();
    const error = new Error('Command timed out');
    outage.failed(error);
    const [warning] = logger.lines;
    expect(warning?.fields).toMatchObject({
      err: error,
      store: 'redis',
      failMode: 'open',
      fallback: 'process-memory',
    });
    expect(warning?.message).toMatch(/login throttle store \(Redis\) unavailable/);
    expect(warning?.message).toMatch(/failing open/);
    expect(warning?.message).toMatch(/own memory/);
  });

  test('nothing is logged while the store answers; its return after an outage is logged once', () => {
    const { logger, outage } = setup();
    outage.answered();
    outage.answered();
    expect(logger.lines).toEqual([]);
    outage.failed(new Error('down'));
    outage.answered();
    outage.answered();
    expect(logger.levels()).toEqual(['warn', 'log']);
    expect(logger.lines[1]?.message).toMatch(/answers again/);
  });

  test('a flapping store warns at most once per interval, then says how many outages went untold', () => {
    const { logger, clock, outage } = setup();
    outage.failed(new Error('first'));
    outage.answered();
    for (let i = 0; i < 3; i++) {
      clock.at += 1_000;
      outage.failed(new Error('again'));
      outage.answered();
    }
    expect(logger.levels()).toEqual(['warn', 'log']);
    clock.at += OUTAGE_WARNING_INTERVAL_MS;
    outage.failed(new Error('later'));
    expect(logger.levels()).toEqual(['warn', 'log', 'warn']);
    expect(logger.lines[2]?.fields).toMatchObject({ outagesSinceLastWarning: 3 });
  });
});
