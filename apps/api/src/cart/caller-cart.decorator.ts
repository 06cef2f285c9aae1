import { createParamDecorator, type ExecutionContext } from '@nestjs/common';

import type { AuthenticatedUser } from '../auth/authenticated-user.js';
import type { CartCaller } from './cart-resolver.service.js';

export const CART_TOKEN_HEADER = 'x-cart-token';

/**
 * Who is calling, as a handler parameter: `@CartCallerParam() caller:
 * CartCaller`. Runs after the guards, so `request.user` is settled. Use on
 * `@OptionalAuth()` routes, and resolve the caller's cart in the handler
 * (CartResolver), not in a pipe: Nest starts the pipes of all of a handler's
 * parameters at once, so a cart resolved in one (a user's is created on
 * first use) would be made even for a request whose body the validation pipe
 * refuses.
 */
export const CartCallerParam = createParamDecorator(
  (_: unknown, context: ExecutionContext): CartCaller => {
    const request = context.switchToHttp().getRequest<{
      user?: AuthenticatedUser;
      headers: Record<string, string | string[] | undefined>;
    }>();
    const token = request.headers[CART_TOKEN_HEADER];
    return { userId: request.user?.id, cartToken: typeof token === 'string' ? token : undefined };
  },
);
