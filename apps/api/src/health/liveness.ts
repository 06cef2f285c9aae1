/** The liveness reply: the process is up and its event loop turns. */
export const ALIVE = { status: 'ok' } as const;
