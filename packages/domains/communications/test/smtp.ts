import { SMTPServer } from 'smtp-server';

/** A real SMTP server (npm smtp-server) on 127.0.0.1 for tests: AUTH with one password, every message kept. */
export interface TestSmtp {
  port: number;
  messages: { to: string[]; raw: string }[];
  stop(): Promise<void>;
}

export async function startSmtp(password: string): Promise<TestSmtp> {
  const messages: { to: string[]; raw: string }[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.password === password) callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        messages.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString() });
        callback(null, 'Queued');
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { port, messages, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
