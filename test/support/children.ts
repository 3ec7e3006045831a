import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Starts a TypeScript script under tsx as a child process; stdout lines go to `onLine`; `input` opens its stdin. */
export const spawnTs = (
  script: string,
  args: readonly string[],
  onLine: (line: string) => void = () => undefined,
  env: NodeJS.ProcessEnv = {},
  options: { readonly input?: boolean } = {},
): ChildProcess => {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(script, import.meta.url)), ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: [options.input === true ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', onLine);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  child.on('exit', (code, signal) => {
    if (code !== 0 && signal === null && stderr) process.stderr.write(stderr);
  });
  return child;
};

export const exited = (child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });
