import { Transform } from 'class-transformer';

const DECIMAL_INTEGER = /^-?\d+$/;

/**
 * A whole number from the query string, read only when written as one
 * (decimal digits, an optional minus): anything else stays text and fails
 * `@IsInt`. `Number()` alone would read an empty value or a blank as 0 and
 * `0x10` or `1e3` as 16 and 1000, so `?maxPrice=` filtered out everything.
 */
export const QueryInteger = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && DECIMAL_INTEGER.test(value) ? Number(value) : value,
  );
