import {
  createParamDecorator,
  type ExecutionContext,
  Injectable,
  type PipeTransform,
} from '@nestjs/common';

import type { AuthenticatedUser } from '../auth/authenticated-user.js';
import { type CartCaller, type CartContext, CartResolver } from './cart-resolver.service.js';

export const CART_TOKEN_HEADER = 'x-cart-token';

/** Reads who is calling; runs after the guards, so `request.user` is settled. */
const CartCallerParam = createParamDecorator(
  (_: unknown, context: ExecutionContext): CartCaller => {
    const request = context.switchToHttp().getRequest<{
      user?: AuthenticatedUser;
      headers: Record<string, string | string[] | undefined>;
    }>();
    const token = request.headers[CART_TOKEN_HEADER];
    return { userId: request.user?.id, cartToken: typeof token === 'string' ? token : undefined };
  },
);

/**
 * Resolves the caller into their cart. A singleton (module-scoped) pipe, not
 * a request-scoped provider: request scope would make the controller and
 * every service it injects be rebuilt per request on the hottest routes of
 * the shop. The pipe gets the request's data as its input instead.
 */
@Injectable()
export class ResolveCartPipe implements PipeTransform<CartCaller, Promise<CartContext>> {
  constructor(private readonly resolver: CartResolver) {}

  transform(caller: CartCaller): Promise<CartContext> {
    return this.resolver.resolve(caller);
  }
}

/**
 * The caller's cart as a handler parameter: `@CallerCart() cart: CartContext`.
 * Use on `@OptionalAuth()` routes.
 */
export const CallerCart = (): ParameterDecorator => CartCallerParam(ResolveCartPipe);
