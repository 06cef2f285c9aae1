import { describe, expect, test } from '@jest/globals';

import { isCalendarDateTime } from './calendar-date-time.js';

describe('isCalendarDateTime', () => {
  test.each([
    [2025, 1, 31, 23, 59, 59],
    [2024, 2, 29, 0, 0, 0],
    [1, 1, 1, 0, 0, 0],
    [9999, 12, 31, 12, 30, 0],
  ])('%i-%i-%i %i:%i:%i exists', (...fields) => {
    expect(isCalendarDateTime(...fields)).toBe(true);
  });

  test.each([
    [2025, 2, 29, 0, 0, 0],
    [2025, 4, 31, 0, 0, 0],
    [2025, 13, 1, 0, 0, 0],
    [2025, 0, 1, 0, 0, 0],
    [2025, 1, 0, 0, 0, 0],
    [0, 1, 1, 0, 0, 0],
    [2025, 1, 1, 24, 0, 0],
    [2025, 1, 1, 0, 60, 0],
    [2025, 1, 1, 0, 0, 60],
  ])('%i-%i-%i %i:%i:%i does not', (...fields) => {
    expect(isCalendarDateTime(...fields)).toBe(false);
  });
});
