import { mkdirSync, statSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Identity } from '../domain/index.js';
import { InvalidInput } from '../errors.js';
import { decodeOrThrow, IdentityName } from '../events/index.js';
import type { StateEngine } from '../engine/index.js';
import { startProgress, type Progress } from './progress.js';

export interface GlobalOptions {
  readonly data?: string;
  readonly store?: string;
  readonly json?: boolean;
  readonly as?: string;
}

/** The operating-system account running this process; a container without a passwd entry has only a uid. */
export const osUser = (env: NodeJS.ProcessEnv = process.env): string => {
  try {
    return userInfo().username;
  } catch {
    return env.USER || env.LOGNAME || `uid-${process.getuid?.() ?? 'unknown'}`;
  }
};

/** Where the data lives: --data, else $STANCE_STATE_DIR, else ~/.stance-state. */
export const dataDirOf = (options: GlobalOptions, env: NodeJS.ProcessEnv = process.env): string =>
  resolve(options.data ?? (env.STANCE_STATE_DIR || join(homedir(), '.stance-state')));

export const logPathOf = (dataDir: string): string => join(dataDir, 'stance.db');

/**
 * Creates a directory and its missing parents, one level at a time (Node's recursive mkdir never returns on some
 * paths, /proc/x for one), each 0700: a data dir holds findings and job commands, key dirs private keys, and
 * nothing of them is for other local users. An existing directory keeps its mode. A path that cannot be a directory
 * is bad input for the option that named it.
 */
export const ensureDirectory = (field: string, dir: string): void => {
  const kind = (path: string) => {
    try {
      return statSync(path).isDirectory() ? 'directory' : 'other';
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
      throw new InvalidInput(field, dir, `a directory it can use (${(error as Error).message})`);
    }
  };
  const state = kind(dir);
  if (state === 'directory') return;
  if (state === 'other') throw new InvalidInput(field, dir, 'a directory, not a file');
  const parent = dirname(dir);
  if (parent !== dir) ensureDirectory(field, parent);
  try {
    mkdirSync(dir, 0o700);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST' && kind(dir) === 'directory') return;
    throw new InvalidInput(field, dir, `a directory it can create (${(error as Error).message})`);
  }
};

/** What every command shares: the global options and the engine over the store, opened on first use and closed once. */
export class CliContext {
  private engineOpened: Promise<StateEngine> | null = null;
  exitCode = 0;

  constructor(readonly env: NodeJS.ProcessEnv = process.env) {}

  /** STANCE_STATE_DURABILITY=normal trades power-loss safety of the last commits for speed. */
  private durability(): 'full' | 'normal' {
    const value = this.env.STANCE_STATE_DURABILITY || 'full';
    if (value !== 'full' && value !== 'normal')
      throw new InvalidInput('STANCE_STATE_DURABILITY', value, "'full' or 'normal'");
    return value;
  }

  globals(cmd: Command): GlobalOptions {
    return cmd.optsWithGlobals<GlobalOptions>();
  }

  json(cmd: Command): boolean {
    return this.globals(cmd).json === true;
  }

  /**
   * Who the CLI acts as: the operating-system user, or `--as NAME`. Whoever can run this binary on the data
   * directory can write its file directly, so the local identity is an admin over every account (full trust); `--as`
   * records who is at the keyboard of a shared account, with the OS account kept beside it.
   */
  actor(cmd: Command): Identity {
    const user = osUser(this.env);
    const as = this.globals(cmd).as;
    const name = as === undefined ? user.replace(/[^A-Za-z0-9._@+-]/g, '_').replace(/^[^A-Za-z0-9]/, 'u').slice(0, 128) || 'local' : decodeOrThrow(IdentityName, as, 'as');
    return {
      name,
      role: 'admin',
      kind: 'person',
      scopes: [],
      via: 'local',
      tokenId: null,
      expiresAt: null,
      ...(as !== undefined && as !== user ? { localUser: user } : {}),
    };
  }

  dataDir(cmd: Command): string {
    return dataDirOf(this.globals(cmd), this.env);
  }

  /** `--store`, else $STANCE_STATE_STORE, else the embedded store in the data dir (`sqlite:<data>/stance.db`). */
  storeUrl(cmd: Command): string {
    return this.globals(cmd).store ?? (this.env.STANCE_STATE_STORE || `sqlite:${logPathOf(this.dataDir(cmd))}`);
  }

  /** The engine over the store; a projection whose version changed is rebuilt here, with a progress bar. */
  engine(cmd: Command): Promise<StateEngine> {
    this.engineOpened ??= this.open(cmd);
    return this.engineOpened;
  }

  private async open(cmd: Command): Promise<StateEngine> {
    const url = this.storeUrl(cmd);
    const sqlite = url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : null;
    if (sqlite !== null) ensureDirectory(this.globals(cmd).store === undefined && !this.env.STANCE_STATE_STORE ? '--data' : '--store', dirname(resolve(sqlite)));
    const bars = new Map<string, Progress>();
    const json = this.json(cmd);
    const origin = this.env.STANCE_STATE_ORIGIN;
    const { openEngine } = await import('../open.js');
    try {
      return await openEngine({
        store: url,
        durability: this.durability(),
        env: this.env,
        ...(origin ? { origin } : {}),
        onRebuild: (name, done, total) => {
          let bar = bars.get(name);
          if (bar === undefined) bars.set(name, (bar = startProgress(`rebuild ${name}`, total, !json)));
          bar.update(done, total);
          if (done >= total) bar.stop();
        },
      });
    } catch (error) {
      // "file is not a database" alone does not say which file.
      const code = (error as { code?: unknown }).code;
      if (sqlite !== null && error instanceof Error && typeof code === 'string' && code.startsWith('SQLITE_'))
        error.message = `${sqlite}: ${error.message}`;
      throw error;
    }
  }

  /** The log alone, for the log commands: a damaged or tampered file is read as it is, with nothing rebuilt. */
  async log(cmd: Command) {
    const url = this.storeUrl(cmd);
    const sqlite = url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : null;
    if (sqlite !== null) ensureDirectory(this.globals(cmd).store === undefined && !this.env.STANCE_STATE_STORE ? '--data' : '--store', dirname(resolve(sqlite)));
    const { openLog } = await import('../open.js');
    const origin = this.env.STANCE_STATE_ORIGIN;
    try {
      const log = await openLog(url, { durability: this.durability(), env: this.env, ...(origin ? { origin } : {}) });
      this.closeLog = () => log.close();
      return log;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (sqlite !== null && error instanceof Error && typeof code === 'string' && code.startsWith('SQLITE_'))
        error.message = `${sqlite}: ${error.message}`;
      throw error;
    }
  }

  private closeLog: (() => Promise<void>) | null = null;

  async close(): Promise<void> {
    await this.closeLog?.();
    this.closeLog = null;
    const opened = this.engineOpened;
    this.engineOpened = null;
    if (opened !== null) await (await opened.catch(() => null))?.close();
  }
}

export const out = (text: string): void => {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
};
export const printJson = (value: unknown): void => out(JSON.stringify(value, null, 2));
export const printNdjson = (value: unknown): void => out(JSON.stringify(value));
