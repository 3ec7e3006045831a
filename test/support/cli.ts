import { spawn, type ChildProcess } from 'node:child_process';
import { basename, join } from 'node:path';
import { repoRoot } from './children.js';
import { freshStore, testBackendName, type TestStore } from './stores.js';

/** The built (bundled) binary, as `npx stance-state` runs it (`npm ci` builds it; the test runner rebuilds first). */
export const binPath = join(repoRoot, 'dist/stance-state.js');

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export const startCli = (args: readonly string[], env: NodeJS.ProcessEnv = {}, nodeArgs: readonly string[] = []): ChildProcess =>
  spawn(process.execPath, [...nodeArgs, binPath, ...args], {
    cwd: repoRoot,
    env: { ...process.env, STANCE_STATE_DIR: '', NO_COLOR: '1', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });

/** Node options that make the binary print its peak RSS (bytes) as its last line of stderr: `maxrss <n>`. */
export const reportPeakRss = [
  '--import',
  'data:text/javascript,process.on("exit",()=>process.stderr.write(`maxrss ${process.resourceUsage().maxRSS*1024}\\n`))',
];
/** The peak RSS a run printed under `reportPeakRss`, and its stderr without that line. */
export const peakRssOf = (run: CliRun): { rss: number; stderr: string } => {
  const m = /maxrss (\d+)\n$/.exec(run.stderr);
  return { rss: Number(m?.[1] ?? NaN), stderr: m ? run.stderr.slice(0, m.index) : run.stderr };
};

/** Runs the real binary to completion; `input` is written to its stdin. */
export const runCli = (
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; input?: string | Buffer; nodeArgs?: readonly string[] } = {},
) =>
  new Promise<CliRun>((resolve, reject) => {
    const child = startCli(args, options.env, options.nodeArgs);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin?.end(options.input ?? '');
  });

/** Asserts the shape of an expected error: one line on stderr, no stack trace. */
export const isOneLineError = (run: CliRun): boolean =>
  run.stderr.trim().split('\n').length <= 2 && !/\n\s+at /.test(run.stderr);

/**
 * The store each CLI data dir runs on under the test backend (`STANCE_TEST_BACKEND`): on SQLite the default file in
 * the data dir (nothing passed, as a user runs it); on PostgreSQL a schema of its own, passed as STANCE_STATE_STORE.
 * `drop` removes the schemas once the suite is done.
 */
export const cliStores = () => {
  const stores = new Map<string, Promise<TestStore>>();
  const storeOf = (data: string): Promise<TestStore> => {
    if (testBackendName() === 'sqlite') return Promise.resolve({ url: `sqlite:${join(data, 'stance.db')}`, drop: async () => undefined });
    let store = stores.get(data);
    if (store === undefined) stores.set(data, (store = freshStore(data, basename(data))));
    return store;
  };
  return {
    url: async (data: string): Promise<string> => (await storeOf(data)).url,
    /** What to add to the CLI's environment for this data dir. */
    env: async (data: string): Promise<NodeJS.ProcessEnv> =>
      testBackendName() === 'sqlite' ? {} : { STANCE_STATE_STORE: (await storeOf(data)).url },
    drop: async (): Promise<void> => {
      for (const store of stores.values()) await (await store).drop();
      stores.clear();
    },
  };
};
