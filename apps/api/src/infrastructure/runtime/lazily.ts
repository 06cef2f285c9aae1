/**
 * `make`, run on the first call and its promise shared by every later one,
 * pending or fulfilled. A rejection is not kept: the next call runs `make`
 * again, so a transient failure (a file limit hit under load) does not stay
 * for the life of the process.
 */
export function lazily<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () =>
    (made ??= make().catch((error: unknown) => {
      made = undefined;
      throw error;
    }));
}
