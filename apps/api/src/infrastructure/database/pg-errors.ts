import { QueryFailedError } from 'typeorm';

/** What PostgreSQL said of a failed query; empty for any other error. */
export interface PgError {
  code?: string;
  constraint?: string;
  message?: string;
  detail?: string;
}

/** PostgreSQL's SQLSTATE, constraint, message and detail of a failed query; empty for any other error. */
export function pgErrorOf(error: unknown): PgError {
  return error instanceof QueryFailedError
    ? ((error as QueryFailedError & { driverError?: PgError }).driverError ?? {})
    : {};
}

/** The constraint a query broke by a duplicate key (23505), if that is how it failed. */
export function uniqueViolation(error: unknown): string | undefined {
  const { code, constraint } = pgErrorOf(error);
  return code === '23505' ? constraint : undefined;
}
