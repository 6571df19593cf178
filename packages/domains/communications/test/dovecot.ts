import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';

/**
 * A real Dovecot IMAP server for tests and the bench (Debian's dovecot-imapd, /usr/sbin/dovecot):
 * a throw-away config, mail store and state under a temp directory, listening on 127.0.0.1 at a
 * free port, one static passdb (any user name, one password). Stopped (and its files removed) by stop().
 */
export interface Dovecot {
  host: '127.0.0.1';
  port: number;
  password: string;
  /** An IMAP session as `user` (for delivering with APPEND, deleting, recreating folders). */
  client(user: string): Promise<ImapFlow>;
  stop(): Promise<void>;
}

export const DOVECOT_BINARY = '/usr/sbin/dovecot';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, timeoutMs: number, log: () => Promise<string>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`dovecot did not listen on 127.0.0.1:${port}: ${await log()}`);
}

export async function startDovecot(): Promise<Dovecot> {
  if (!existsSync(DOVECOT_BINARY)) throw new Error(`${DOVECOT_BINARY} is missing: install dovecot-imapd (.ci/run does)`);
  const root = await mkdtemp(join(tmpdir(), 'ubos-dovecot-'));
  const port = await freePort();
  const password = 'imap-test-password';
  const me = userInfo();
  // As root, Dovecot's login and internal processes need their own unprivileged users (the package's).
  const asRoot = me.uid === 0;
  const loginUser = asRoot ? 'dovenull' : me.username;
  const internalUser = asRoot ? 'dovecot' : me.username;
  for (const dir of ['run', 'state', 'mail']) await mkdir(join(root, dir), { recursive: true });
  // Mail processes never run as root: as root, the store belongs to the package's dovecot user.
  let mailUid = me.uid;
  let mailGid = me.gid;
  if (asRoot) {
    const entry = (await readFile('/etc/passwd', 'utf8')).split('\n').find((line) => line.startsWith(`${internalUser}:`));
    const fields = entry?.split(':') ?? [];
    mailUid = Number(fields[2]);
    mailGid = Number(fields[3]);
    await chmod(root, 0o711);
    await chown(join(root, 'mail'), mailUid, mailGid);
  }
  const conf = `
base_dir = ${root}/run
state_dir = ${root}/state
log_path = ${root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = ${internalUser}
default_login_user = ${loginUser}
first_valid_uid = 1
mail_location = maildir:${root}/mail/%u
mail_privileged_group =
passdb {
  driver = static
  args = password=${password}
}
userdb {
  driver = static
  args = uid=${mailUid} gid=${mailGid} home=${root}/mail/%u
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
protocol imap {
  mail_max_userip_connections = 100
}
`;
  const confPath = join(root, 'dovecot.conf');
  await writeFile(confPath, conf);
  const readLog = async () => readFile(join(root, 'dovecot.log'), 'utf8').catch(() => '(no log)');
  const child: ChildProcess = spawn(DOVECOT_BINARY, ['-F', '-c', confPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  await waitForPort(port, 10_000, async () => `${output} ${await readLog()}`);
  return {
    host: '127.0.0.1',
    port,
    password,
    async client(user) {
      const client = new ImapFlow({ host: '127.0.0.1', port, secure: false, auth: { user, pass: password }, logger: false });
      await client.connect();
      return client;
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      if (!process.env.KEEP_DOVECOT) await rm(root, { recursive: true, force: true });
    },
  };
}
