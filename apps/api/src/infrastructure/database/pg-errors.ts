import { QueryFailedError } from 'typeorm';

/** PostgreSQL's SQLSTATE and constraint of a failed query; empty for any other error. */
export function pgErrorOf(error: unknown): { code?: string; constraint?: string } {
  return error instanceof QueryFailedError
    ? ((error as QueryFailedError & { driverError?: { code?: string; constraint?: string } })
        .driverError ?? {})
    : {};
}

/** The constraint a query broke by a duplicate key (23505), if that is how it failed. */
export function uniqueViolation(error: unknown): string | undefined {
  const { code, constraint } = pgErrorOf(error);
  return code === '23505' ? constraint : undefined;
}
