/** The first connection to the database failed, with why, in one line. */
export class DatabaseUnreachableError extends Error {
  constructor(displayUrl: string, cause: unknown) {
    super(`cannot connect to the database at ${displayUrl}: ${reason(cause)}`, { cause });
  }
}

function reason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // Connecting to a name with several addresses fails with an AggregateError
  // whose message is empty: its code (ECONNREFUSED) says it all.
  const { code } = error as NodeJS.ErrnoException;
  return error.message || code || error.name;
}
