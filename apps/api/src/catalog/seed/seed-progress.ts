import type { SingleBar } from 'cli-progress';

/**
 * Runs `work` with `bar` showing its progress from the first report on. The
 * bar is stopped however the work ends: on a terminal a running bar keeps a
 * timer, which would keep a failed command's process alive for ever.
 */
export async function withProgressBar<T>(
  bar: SingleBar,
  work: (progress: (done: number, total: number) => void) => Promise<T>,
): Promise<T> {
  let started = false;
  try {
    return await work((done, total) => {
      if (!started) {
        bar.start(total, done);
        started = true;
      } else bar.update(done);
    });
  } finally {
    bar.stop();
  }
}
