import { type ExecutionContext, Injectable } from '@nestjs/common';

import { AccessTokenGuard } from './access-token.guard.js';

/**
 * For routes guests may call too (the cart): no Authorization header means a
 * guest; a header that is present must be valid, never silently ignored.
 */
@Injectable()
export class OptionalAccessTokenGuard extends AccessTokenGuard {
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const headers = context
      .switchToHttp()
      .getRequest<{ headers: Record<string, unknown> }>().headers;
    if (headers.authorization === undefined) return true;
    return (await super.canActivate(context)) as boolean;
  }
}
