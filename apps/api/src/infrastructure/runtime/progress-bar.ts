import type { SingleBar } from 'cli-progress';

/** One report of a command's progress, with the values its bar's format names. */
export type Progress = (done: number, total: number, payload?: object) => void;

/**
 * Runs `work` with `bar` showing its progress from the first report on. The
 * bar is stopped however the work ends: on a terminal a running bar keeps a
 * timer, which would keep a failed command's process alive for ever.
 */
export async function withProgressBar<T>(
  bar: SingleBar,
  work: (progress: Progress) => Promise<T>,
): Promise<T> {
  let started = false;
  try {
    return await work((done, total, payload) => {
      if (!started) {
        bar.start(total, done, payload);
        started = true;
      } else bar.update(done, payload);
    });
  } finally {
    bar.stop();
  }
}
