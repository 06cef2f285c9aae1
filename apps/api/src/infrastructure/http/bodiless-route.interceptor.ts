import type { FieldErrorDto } from '@minishop/contracts';
import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/internal';
import type { Observable } from 'rxjs';

import { RequestValidationException } from './validation.exception.js';

/** Parameters through which a handler reads the body, or may (the whole request). */
const READS_BODY = new Set<number>([
  RouteParamtypes.BODY,
  RouteParamtypes.RAW_BODY,
  RouteParamtypes.REQUEST,
]);

/** Per handler, worked out on its first request: routes do not change. */
const readsBodyOf = new WeakMap<object, boolean>();

function readsBody(context: ExecutionContext): boolean {
  const handler = context.getHandler();
  let reads = readsBodyOf.get(handler);
  if (reads === undefined) {
    const args: Record<string, unknown> | undefined = Reflect.getMetadata(
      ROUTE_ARGS_METADATA,
      context.getClass(),
      handler.name,
    );
    // Keys are `<paramtype>:<index>`; custom decorators' keys do not start with a number.
    reads = Object.keys(args ?? {}).some((key) => READS_BODY.has(Number(key.split(':')[0])));
    readsBodyOf.set(handler, reads);
  }
  return reads;
}

function unexpectedBody(body: unknown): FieldErrorDto[] {
  if (body === undefined || body === null) return [];
  // Raw bytes are one body, not a field per byte.
  if (typeof body === 'object' && !Array.isArray(body) && !(body instanceof Uint8Array)) {
    return Object.keys(body).map((field) => ({ field, message: `${field} is not allowed` }));
  }
  return [{ field: 'body', message: 'This route takes no request body' }];
}

/**
 * The validation pipe refuses unknown fields only on routes with a body DTO.
 * A route that takes no body (`POST /cart`, `POST /orders/:id/cancel`, ...)
 * would otherwise ignore whatever is sent, so a client that sends fields
 * there (a cart "with its first item", a cancellation "reason") believes
 * they were used. Such fields are a 400 naming each, as anywhere else; an
 * empty object, `null` or no body at all pass.
 */
@Injectable()
export class BodilessRouteInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http' && !readsBody(context)) {
      const body: unknown = context.switchToHttp().getRequest<{ body?: unknown }>().body;
      const errors = unexpectedBody(body);
      if (errors.length > 0) throw new RequestValidationException(errors);
    }
    return next.handle();
  }
}
