import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { InvalidInput } from '../errors.js';
import { StateEngine } from '../engine/index.js';
import { SqliteEventStore, type Durability } from '../store/index.js';
import { startProgress, type Progress } from './progress.js';

export interface GlobalOptions {
  readonly data?: string;
  readonly json?: boolean;
}

/** Where the data lives: --data, else $STANCE_STATE_DIR, else ~/.stance-state. */
export const dataDirOf = (options: GlobalOptions, env: NodeJS.ProcessEnv = process.env): string =>
  resolve(options.data ?? (env.STANCE_STATE_DIR || join(homedir(), '.stance-state')));

export const logPathOf = (dataDir: string): string => join(dataDir, 'stance.db');

/** What every command shares: the global options and the store, opened on first use and closed once. */
export class CliContext {
  private opened: SqliteEventStore | null = null;
  private engineOpened: StateEngine | null = null;
  exitCode = 0;

  constructor(readonly env: NodeJS.ProcessEnv = process.env) {}

  /** STANCE_STATE_DURABILITY=normal trades power-loss safety of the last commits for speed. */
  private durability(): Durability {
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

  dataDir(cmd: Command): string {
    return dataDirOf(this.globals(cmd), this.env);
  }

  store(cmd: Command): SqliteEventStore {
    if (this.opened === null) {
      const dir = this.dataDir(cmd);
      mkdirSync(dir, { recursive: true });
      const origin = this.env.STANCE_STATE_ORIGIN;
      this.opened = new SqliteEventStore({
        path: logPathOf(dir),
        durability: this.durability(),
        ...(origin ? { origin } : {}),
      });
    }
    return this.opened;
  }

  /** The engine over the store; a projection whose version changed is rebuilt here, with a progress bar. */
  engine(cmd: Command): StateEngine {
    if (this.engineOpened === null) {
      const bars = new Map<string, Progress>();
      const json = this.json(cmd);
      this.engineOpened = new StateEngine({
        store: this.store(cmd),
        onRebuild: (name, done, total) => {
          let bar = bars.get(name);
          if (bar === undefined) bars.set(name, (bar = startProgress(`rebuild ${name}`, total, !json)));
          bar.update(done, total);
          if (done >= total) bar.stop();
        },
      });
    }
    return this.engineOpened;
  }

  async close(): Promise<void> {
    await this.opened?.close();
    this.opened = null;
    this.engineOpened = null;
  }
}

export const out = (text: string): void => {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
};
export const printJson = (value: unknown): void => out(JSON.stringify(value, null, 2));
export const printNdjson = (value: unknown): void => out(JSON.stringify(value));
