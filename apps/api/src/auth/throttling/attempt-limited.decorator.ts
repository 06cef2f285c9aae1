import { ProblemDto } from '@minishop/contracts';
import { applyDecorators, type Type, UseInterceptors } from '@nestjs/common';
import { ApiTooManyRequestsResponse } from '@nestjs/swagger';

import type { AttemptThrottleInterceptor } from './attempt-throttle.interceptor.js';

/**
 * A route whose attempts count on the login (or registration) limits:
 * `throttle` counts them, and the document gets its 429 with Retry-After
 * (`tooMany` says whose attempts were too many).
 */
export function AttemptLimited(
  throttle: Type<AttemptThrottleInterceptor>,
  tooMany: string,
): MethodDecorator {
  return applyDecorators(
    UseInterceptors(throttle),
    ApiTooManyRequestsResponse({
      type: ProblemDto,
      description: tooMany,
      headers: {
        'Retry-After': {
          description: 'Seconds to wait',
          schema: { type: 'integer', format: 'int32', minimum: 1, maximum: 86_400 },
        },
      },
    }),
  );
}
