import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Where a request stands against its deadline (REQUEST_TIMEOUT_MS), shared
 * by the deadline's sweep and the transactions the request's handler runs.
 * A 503 at the deadline that tells the client to try again must mean that
 * nothing changed: while nothing of the request has committed, a
 * transaction whose request was answered so rolls back instead of
 * committing (`answered`), and the sweep does not answer a request while one
 * of its transactions is committing (`committing`), as that commit's outcome
 * is the answer. Once a transaction of the request has committed
 * (`committed`), its later ones go on as they would have (they finish or
 * undo what it began), and the 503 says that part of it may have taken
 * effect.
 */
export interface RequestDeadlineState {
  answered: boolean;
  committing: number;
  committed: boolean;
}

const scope = new AsyncLocalStorage<RequestDeadlineState>();

/** The deadline of the HTTP request this code runs for; none in jobs and the CLI. */
export function currentRequestDeadline(): RequestDeadlineState | undefined {
  return scope.getStore();
}

/** Runs `handler` (the rest of the request's handling) under `state`. */
export function withinRequestDeadline(state: RequestDeadlineState, handler: () => void): void {
  scope.run(state, handler);
}

/**
 * A transaction was rolled back because its request had already been
 * answered 503 at its deadline. Nobody waits for this error: the exception
 * filter only logs it.
 */
export class RequestAlreadyAnsweredError extends Error {
  constructor() {
    super('rolled back: the request was answered 503 at its deadline before this could commit');
    this.name = 'RequestAlreadyAnsweredError';
  }
}
