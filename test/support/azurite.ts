import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** Azurite's fixed development account (documented by Microsoft; public, not a secret). */
export const azuriteAccount = 'devstoreaccount1';
export const azuriteKey = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** The connection string of the development account on a local port (another key makes a wrong one). */
export const azuriteConnectionString = (port: number, key = azuriteKey): string =>
  `DefaultEndpointsProtocol=http;AccountName=${azuriteAccount};AccountKey=${key};` +
  `BlobEndpoint=http://127.0.0.1:${port}/${azuriteAccount};`;

export interface Azurite {
  readonly connectionString: string;
  readonly port: number;
  /** Stops the server and waits for it to exit; safe to call twice. */
  stop(): Promise<void>;
}

const main = fileURLToPath(new URL('../../node_modules/azurite/dist/src/blob/main.js', import.meta.url));

/**
 * The child exits when its stdin reaches end of file, which happens when this process dies in any way, SIGKILL
 * included (the pipe's other end closes), so no Azurite outlives its test file.
 */
const exitWithParent = `data:text/javascript,${encodeURIComponent(
  "process.stdin.on('end', () => process.exit(0)).on('error', () => process.exit(0)).resume();",
)}`;

/**
 * Starts Azurite's blob service from node_modules: in memory, on a free loopback port it picks itself (port 0,
 * read back from its start-up line), silent, no telemetry. Resolves once a real request is answered.
 */
export const startAzurite = async (options: { timeoutMs?: number } = {}): Promise<Azurite> => {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const args = ['--blobHost', '127.0.0.1', '--blobPort', '0', '--inMemoryPersistence', '--skipApiVersionCheck'];
  args.push('--loose', '--silent', '--disableTelemetry');
  const child = spawn(process.execPath, ['--import', exitWithParent, main, ...args], {
    cwd: tmpdir(), // Azurite checks its working directory even in memory
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  // In memory there is nothing to flush, and SIGTERM would leave it waiting on open keep-alive connections.
  const stop = async () => {
    process.removeListener('exit', kill);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.ref(); // so this process stays up to see the exit
    kill();
    await exited;
  };
  // Nothing here may keep a test process alive once its tests are done.
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as unknown as { unref(): void }).unref();

  try {
    const port = await new Promise<number>((resolve, reject) => {
      const late = () => reject(new Error(`Azurite did not start in ${timeoutMs} ms\n${output}`));
      const timer = setTimeout(late, timeoutMs);
      createInterface({ input: child.stdout }).on('line', (line) => {
        output += `${line}\n`;
        const m = /listens on https?:\/\/[^\s]+:(\d+)/.exec(line);
        if (m !== null) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`Azurite exited (${code ?? signal}) before listening\n${output}`));
      });
    });
    await answered(port, Date.now() + timeoutMs);
    return { connectionString: azuriteConnectionString(port), port, stop };
  } catch (error) {
    await stop();
    throw error;
  }
};

/** Polls with a real HTTP request until Azurite answers (any status: an unsigned request gets 403). */
const answered = async (port: number, deadline: number): Promise<void> => {
  for (let wait = 10; ; wait = Math.min(wait * 2, 200)) {
    const status = await new Promise<number | null>((resolve) => {
      const path = `/${azuriteAccount}?comp=list`;
      const req = request({ host: '127.0.0.1', port, path, timeout: 1000, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? null);
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(null));
      req.end();
    });
    if (status !== null) return;
    if (Date.now() > deadline) throw new Error(`Azurite on port ${port} does not answer`);
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
};
