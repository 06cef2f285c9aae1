import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
  ServiceUnavailableException,
} from '@nestjs/common';
import { catchError, type Observable, throwError, timeout, TimeoutError } from 'rxjs';

/**
 * Answers 503 (problem+json, Retry-After) when a handler runs longer than
 * REQUEST_TIMEOUT_MS, instead of letting the client hang. The handler's
 * promise is not cancelled: its late result is dropped. Fastify's own
 * timeouts only cover receiving the request and idle sockets, not a slow
 * handler.
 */
@Injectable()
export class RequestTimeoutInterceptor implements NestInterceptor {
  constructor(private readonly ms: number) {}

  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      timeout(this.ms),
      catchError((error: unknown) =>
        throwError(() =>
          error instanceof TimeoutError
            ? new ServiceUnavailableException(
                `The request did not complete within ${this.ms} ms; try again shortly`,
              )
            : error,
        ),
      ),
    );
  }
}
