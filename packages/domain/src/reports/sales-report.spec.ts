import { describe, expect, test } from '@jest/globals';

import { csvField, InvalidReportPeriodError, reportPeriod } from './sales-report.js';

describe('reportPeriod', () => {
  const d = (s: string) => new Date(s);
  test('accepts a month', () => {
    expect(reportPeriod(d('2026-11-01T00:00:00Z'), d('2026-12-01T00:00:00Z')).to).toEqual(
      d('2026-12-01T00:00:00Z'),
    );
  });
  test('refuses an empty or reversed period', () => {
    expect(() => reportPeriod(d('2026-11-01T00:00:00Z'), d('2026-11-01T00:00:00Z'))).toThrow(
      InvalidReportPeriodError,
    );
  });
  test('refuses an invalid date, naming its field', () => {
    const error = (() => {
      try {
        reportPeriod(d('2026-W05'), d('2026-12-01T00:00:00Z'));
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidReportPeriodError);
    expect((error as InvalidReportPeriodError).fields).toEqual([
      { field: 'from', message: 'from is not a valid date' },
    ]);
    expect(() => reportPeriod(d('2026-11-01T00:00:00Z'), d('2026-032'))).toThrow(
      'to is not a valid date',
    );
  });
  test('refuses more than 366 days', () => {
    expect(() => reportPeriod(d('2025-01-01T00:00:00Z'), d('2026-01-03T00:00:00Z'))).toThrow(
      /366 days/,
    );
  });
});

describe('csvField', () => {
  test('leaves plain values, quotes delimiters and quotes', () => {
    expect(csvField('MUG-1 x 2')).toBe('MUG-1 x 2');
    expect(csvField(1299)).toBe('1299');
    expect(csvField('a, "b"')).toBe('"a, ""b"""');
  });
  test('defuses spreadsheet formulas in text, not in numbers', () => {
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField(-5)).toBe('-5');
  });
});
