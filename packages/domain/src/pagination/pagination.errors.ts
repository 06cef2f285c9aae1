import { InvalidInputError } from '../errors/domain-error.js';

/**
 * A pagination cursor that was tampered with, truncated, or made for another
 * list or sort. One type for every cursor-paginated list: a client handles it
 * the same way wherever it pages (drop the cursor, start from the first page).
 */
export class InvalidCursorError extends InvalidInputError {
  readonly code = 'PAGINATION.INVALID_CURSOR';
  constructor(reason: string) {
    super(`Invalid cursor: ${reason}`, [{ field: 'cursor', message: `cursor ${reason}` }]);
  }
}
