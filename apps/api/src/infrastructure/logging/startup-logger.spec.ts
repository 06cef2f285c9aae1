import { afterEach, describe, expect, jest, test } from '@jest/globals';

import { startupLogger } from './startup-logger.js';

describe('startupLogger', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  test('writes one JSON line per entry, without colour codes, when no terminal watches (as under a process manager)', () => {
    const written: string[] = [];
    const write = (chunk: unknown) => (written.push(String(chunk)), true);
    jest.spyOn(process.stdout, 'write').mockImplementation(write);
    jest.spyOn(process.stderr, 'write').mockImplementation(write);

    const logger = startupLogger(false);
    logger.log('AppModule dependencies initialized', 'InstanceLoader');
    logger.error('connect ECONNREFUSED 127.0.0.1:5432', undefined, 'TypeOrmModule');

    const lines = written.join('').trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(written.join('')).not.toContain('\u001b[');
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([
      expect.objectContaining({
        level: 'log',
        context: 'InstanceLoader',
        message: 'AppModule dependencies initialized',
      }),
      expect.objectContaining({
        level: 'error',
        context: 'TypeOrmModule',
        message: 'connect ECONNREFUSED 127.0.0.1:5432',
      }),
    ]);
  });
});
