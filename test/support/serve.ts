import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { exited } from './children.js';
import { runCli, startCli } from './cli.js';

export interface Served {
  readonly child: ChildProcess;
  readonly url: string;
  /** What serve logged on stderr so far. */
  readonly log: () => string;
  readonly stop: () => Promise<void>;
}

/** The real binary serving `data` on a free loopback port; resolves once it printed its URL. */
export const serve = async (data: string, args: readonly string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Served> => {
  const child = startCli(['--data', data, 'serve', '--port', '0', ...args], env);
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
  const first = await lines.next();
  const url = first.done === true ? undefined : /http:\/\/[^\s"]+/.exec(first.value as string)?.[0];
  if (url === undefined) {
    child.kill('SIGKILL');
    throw new Error(`serve printed no URL: ${log}`);
  }
  return {
    child,
    url,
    log: () => log,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited(child);
    },
  };
};

/** Demo data: `days` days of scans over 3 accounts x 2 regions, written by the real binary. */
export const demoData = async (data: string, days = 3): Promise<void> => {
  const r = await runCli(['--data', data, 'demo', '--days', String(days)]);
  if (r.code !== 0) throw new Error(`demo failed: ${r.stderr}`);
};

/** A token made by the real binary (`token create --json`), as a person would make it. */
export const createToken = async (data: string, name: string, role: string, extra: readonly string[] = []): Promise<string> => {
  const r = await runCli(['--data', data, '--json', 'token', 'create', name, '--role', role, ...extra]);
  if (r.code !== 0) throw new Error(`token create failed: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { token: string }).token;
};

/** GET as JSON with Node's fetch (the API's figures, to compare the page with). */
export const apiJson = async <T = Record<string, unknown>>(url: string, token?: string): Promise<T> => {
  const r = await fetch(url, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  if (!r.ok) throw new Error(`${url}: ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
};
