import {
  buildMessage,
  isISO8601,
  isRFC3339,
  ValidateBy,
  type ValidationOptions,
} from 'class-validator';

/*
 * What the OpenAPI document's `format: date-time` promises (RFC 3339): a
 * calendar date, a time and an offset. ISO 8601 alone lets through forms
 * that `new Date()` cannot read (week dates "2026-W05", ordinal dates
 * "2026-032": Invalid Date) and local times without an offset, which it
 * reads in the server's timezone, so one request meant different instants
 * on different machines. RFC 3339 alone lets through impossible days
 * ("2026-02-30", which `new Date()` rolls over into March) and leap seconds
 * ("23:59:60", Invalid Date); ISO 8601's strict mode refuses both.
 */
export function isDateTimeWithOffset(value: unknown): value is string {
  return typeof value === 'string' && isRFC3339(value) && isISO8601(value, { strict: true });
}

/** An RFC 3339 date-time with its offset (`Z` or `±hh:mm`), as `format: date-time`. */
export function IsDateTimeWithOffset(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isDateTimeWithOffset',
      validator: {
        validate: (value) => isDateTimeWithOffset(value),
        defaultMessage: buildMessage(
          (each) =>
            `${each}$property must be a date-time with an offset, such as 2026-11-01T00:00:00Z or 2026-11-01T00:00:00+01:00`,
          options,
        ),
      },
    },
    options,
  );
}
