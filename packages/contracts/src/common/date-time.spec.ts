import 'reflect-metadata';

import { describe, expect, test } from '@jest/globals';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';

import { CreateSalesReportDto } from '../jobs/sales-report.dto.js';

const errorsOf = (from: unknown) =>
  validateSync(plainToInstance(CreateSalesReportDto, { from, to: '2026-12-01T00:00:00Z' })).flatMap(
    (e) => Object.values(e.constraints ?? {}).map((message) => [e.property, message]),
  );

describe('IsDateTimeWithOffset (CreateSalesReportDto.from)', () => {
  test.each([
    '2026-11-01T00:00:00Z',
    '2026-11-01T00:00:00+01:00',
    '2026-11-01T00:00:00.123-05:30',
    '2024-02-29T12:00:00Z',
  ])('accepts %s', (value) => {
    expect(errorsOf(value)).toEqual([]);
  });

  describe('refuses what new Date() cannot read, or reads in the server timezone', () => {
    test.each([
      ['a week date', '2026-W05'],
      ['an ordinal date', '2026-032'],
      ['a date-time without offset', '2026-11-01T00:00:00'],
      ['a date without time', '2026-11-01'],
      ['an impossible day', '2026-02-30T00:00:00Z'],
      ['a leap second', '2026-12-31T23:59:60Z'],
      ['a basic-format offset', '2026-11-01T00:00:00+0100'],
    ])('%s (%s)', (_, value) => {
      expect(errorsOf(value)).toEqual([
        [
          'from',
          'from must be a date-time with an offset, such as 2026-11-01T00:00:00Z or 2026-11-01T00:00:00+01:00',
        ],
      ]);
    });
  });

  test('refuses a number (a timestamp)', () => {
    expect(errorsOf(1_700_000_000_000).map(([, m]) => m)).toContainEqual(
      expect.stringMatching(/^from must be a date-time with an offset/),
    );
  });
});
