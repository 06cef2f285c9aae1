import { ApiServiceUnavailableResponse } from '@nestjs/swagger';

import { UNAVAILABLE_HEADERS } from '../infrastructure/http/openapi.js';

/**
 * A route that hashes or verifies a password: besides the 503s every route
 * can give, it is refused at once while too many passwords are already
 * waiting to be checked (PasswordHashingBusyError).
 */
export function ChecksPassword(): MethodDecorator {
  return ApiServiceUnavailableResponse({
    description:
      'Too many passwords waiting to be checked (refused at once), not answered within ' +
      'REQUEST_TIMEOUT_MS, or the database is unavailable; retry after Retry-After',
    content: {
      'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDto' } },
    },
    headers: UNAVAILABLE_HEADERS,
  });
}
