import { ValidateIf } from 'class-validator';

/**
 * For an optional field whose absence means something (a partial update
 * leaving it as it is, a refund of everything left): a field left out is
 * skipped, but `null` is validated, and so refused, instead of being treated
 * as absent as `@IsOptional` does.
 */
export const IfSent = (): PropertyDecorator =>
  ValidateIf((_: object, value: unknown) => value !== undefined);
