import type { FieldErrorDto } from '@minishop/contracts';
import {
  type ArgumentMetadata,
  BadRequestException,
  type ValidationError,
  ValidationPipe,
} from '@nestjs/common';

import { unstorableTextIn, unstorableTextMessage } from '../database/unstorable-text.js';

/**
 * The most field errors one reply lists (the contract's `maxItems`): a body
 * of a hundred thousand unknown fields is one request, not megabytes of reply.
 */
export const MAX_FIELD_ERRORS = 100;

/** A 400 that carries one entry per invalid field, for the problem reply's `errors`. */
export class RequestValidationException extends BadRequestException {
  /** The first MAX_FIELD_ERRORS of them; the detail counts them all. */
  readonly fieldErrors: FieldErrorDto[];

  constructor(fieldErrors: FieldErrorDto[]) {
    super(
      fieldErrors.length === 1
        ? `Invalid field ${fieldErrors[0]?.field}: ${fieldErrors[0]?.message}`
        : `The request has ${fieldErrors.length} invalid fields` +
            (fieldErrors.length > MAX_FIELD_ERRORS
              ? `; the first ${MAX_FIELD_ERRORS} are listed`
              : ''),
    );
    this.fieldErrors = fieldErrors.slice(0, MAX_FIELD_ERRORS);
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
 * A string holding U+0000 or a lone surrogate anywhere in a body or query is
 * a 400 naming the field, before the DTO rules run (`unstorable-text.ts` says
 * why: a query or a validator would otherwise fail as a 500). Route
 * parameters are left to their routes, where an id that cannot exist is a
 * 404 like any unknown one.
 */
class RequestValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // A DTO is an object: an array or a string sent instead is one error, not
    // one per element or character (as "0 is not allowed", "1 is not allowed" ...).
    if (
      metadata.type === 'body' &&
      value !== undefined &&
      value !== null &&
      (typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array) &&
      this.toValidate(metadata)
    ) {
      throw new RequestValidationException([
        { field: 'body', message: 'The request body must be a JSON object' },
      ]);
    }
    // A raw body (the catalog import's CSV bytes) is its handler's to judge.
    const raw = typeof value === 'string' || value instanceof Uint8Array;
    const checked = metadata.type === 'query' || (metadata.type === 'body' && !raw);
    const found = checked ? unstorableTextIn(value) : undefined;
    if (found !== undefined) {
      const field = [metadata.data, found.path].filter(Boolean).join('.') || metadata.type;
      throw new RequestValidationException([
        { field, message: unstorableTextMessage(field, found.reason) },
      ]);
    }
    return super.transform(value, metadata);
  }
}

/**
 * Bodies and queries are whitelisted: an unknown field is a 400, never
 * silently stored or dropped; values are converted to the DTO's types.
 */
export function createValidationPipe(): ValidationPipe {
  return new RequestValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new RequestValidationException(flatten(errors)),
  });
}
