// runCli (dist/cli-run.js, what dist/cli.js runs) in a worker thread of the
// test's process: jest's module runtime cannot load nest-commander, a
// CommonJS package that requires the ES-module-only @nestjs/common, which
// Node itself does. The modules load once; each message is one run, on an
// app of its own (commander keeps option values between parses), and the
// reply is what it printed and its exit code.
import { Buffer } from 'node:buffer';
import { parentPort, workerData } from 'node:worker_threads';

const { runCli } = await import(workerData.cliRun);

/**
 * A command prints its result, and Nest's logger its lines, on the
 * process's own streams, which a child's run would show: caught too.
 */
function capture(stream, into) {
  const write = stream.write;
  stream.write = (chunk, ...rest) => {
    into(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
    const done = rest.find((arg) => typeof arg === 'function');
    if (done) process.nextTick(done);
    return true;
  };
  return () => {
    stream.write = write;
  };
}

parentPort.on('message', async ({ argv, env }) => {
  const run = { stdout: '', stderr: '' };
  const exit = {};
  const restoreOut = capture(process.stdout, (text) => (run.stdout += text));
  const restoreErr = capture(process.stderr, (text) => (run.stderr += text));
  let failure;
  try {
    await runCli(argv, env, {
      stdout: (text) => (run.stdout += text),
      stderr: (text) => (run.stderr += text),
      exit,
    });
  } catch (error) {
    failure = error instanceof Error ? (error.stack ?? error.message) : String(error);
  } finally {
    restoreOut();
    restoreErr();
  }
  // A command may set the process's exit code itself (catalog:import's
  // failed import): the run's, as it would be a child's.
  const code = exit.exitCode ?? process.exitCode ?? 0;
  process.exitCode = undefined;
  parentPort.postMessage({ ...run, code, failure });
});
