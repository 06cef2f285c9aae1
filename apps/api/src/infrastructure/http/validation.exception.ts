import type { FieldErrorDto } from '@minishop/contracts';
import { BadRequestException, type ValidationError, ValidationPipe } from '@nestjs/common';

/** A 400 that carries one entry per invalid field, for the problem reply's `errors`. */
export class RequestValidationException extends BadRequestException {
  constructor(readonly fieldErrors: FieldErrorDto[]) {
    super(
      fieldErrors.length === 1
        ? `Invalid field ${fieldErrors[0]?.field}: ${fieldErrors[0]?.message}`
        : `The request has ${fieldErrors.length} invalid fields`,
    );
  }
}

function flatten(errors: ValidationError[], prefix = ''): FieldErrorDto[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({
      field,
      message: message.startsWith('property ') ? `${field} is not allowed` : message,
    }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/**
 * Bodies and queries are whitelisted: an unknown field is a 400, never
 * silently stored or dropped; values are converted to the DTO's types.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new RequestValidationException(flatten(errors)),
  });
}
