import type { AddressInfo } from 'node:net';

import { SMTPServer } from 'smtp-server';

/**
 * An SMTP server that receives every message but holds its reply until
 * released: a `mail.send` job stays in flight for as long as the test wants.
 */
export async function holdingSmtpServer() {
  const subjects: string[] = [];
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let received!: () => void;
  const first = new Promise<void>((resolve) => (received = resolve));
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    onData(stream, _session, callback) {
      let raw = '';
      stream.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      stream.on('end', () => {
        subjects.push(/^Subject: (.*)$/m.exec(raw)?.[1]?.trim() ?? '');
        received();
        void released.then(() => callback());
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`,
    subjects,
    /** Resolves once a first message is being received. */
    first,
    release,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
