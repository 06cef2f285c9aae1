import {
  applyDecorators,
  type CallHandler,
  type ExecutionContext,
  HttpCode,
  Injectable,
  type NestInterceptor,
  SetMetadata,
  type Type,
} from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { map, type Observable } from 'rxjs';

const LOCATE = 'minishop:reply-location';

/** The path, below the API prefix, of what a reply announces, worked out from its body. */
type Locate<T> = (body: T) => string;

export interface LocatedReplyOptions<T> {
  /** 201: the request created it; 202: it was recorded, and its progress is read there. */
  status: 201 | 202;
  type: Type<T>;
  description?: string;
  /** What a client finds at the URL, for the OpenAPI document. */
  location: string;
  path: Locate<T>;
}

/**
 * A route whose reply names, in `Location`, the URL a client reads next for
 * what the request made: the created order, the product's public page, a
 * report's state. Declares the status, the reply type and the header in the
 * OpenAPI document, so the documented header and the one sent cannot drift.
 *
 * The URL is worked out from the reply's body, never from the request: a
 * replayed reply (the same Idempotency-Key again) names the same URL as the
 * first, because its body is the stored one.
 */
export function LocatedReply<T>(options: LocatedReplyOptions<T>): MethodDecorator {
  const { status, type, description, location, path } = options;
  return applyDecorators(
    HttpCode(status),
    SetMetadata(LOCATE, path),
    ApiResponse({
      status,
      type,
      ...(description ? { description } : {}),
      headers: {
        Location: {
          description: location,
          schema: { type: 'string', format: 'uri-reference', maxLength: 2048 },
        },
      },
    }),
  );
}

/** Sets the `Location` of replies of routes declared with `@LocatedReply`. */
@Injectable()
export class ReplyLocationInterceptor implements NestInterceptor {
  /** `prefix`: the global prefix the routes are served under (`api/v1`). */
  constructor(private readonly prefix: string) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const locate: Locate<unknown> | undefined = Reflect.getMetadata(LOCATE, context.getHandler());
    if (!locate || context.getType() !== 'http') return next.handle();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    return next.handle().pipe(
      map((body: unknown) => {
        void reply.header('Location', `/${this.prefix}/${locate(body)}`);
        return body;
      }),
    );
  }
}
