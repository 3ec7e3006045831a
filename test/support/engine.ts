import { join } from 'node:path';
import type { BodySettings } from '../../src/engine/index.js';
import { sqliteEngine, sqliteOf } from './backend.js';

/** A clock the test moves by hand: starts at 2026-01-01T00:00:00Z. */
export class TestClock {
  ms = Date.UTC(2026, 0, 1);
  readonly now = (): number => this.ms;
  advance(minutes: number): void {
    this.ms += minutes * 60_000;
  }
  days(n: number): void {
    this.ms += n * 86_400_000;
  }
  iso(): string {
    return new Date(this.ms).toISOString();
  }
}

let n = 0;
/** An engine on a fresh file in `dir`, with its own test clock. */
export const openTestEngine = (dir: string, clock = new TestClock(), path?: string, options: { bodies?: Partial<BodySettings> } = {}) => {
  n += 1;
  const engine = sqliteEngine({ path: path ?? join(dir, `engine-${process.pid}-${n}.db`), clock: clock.now, origin: 'test', ...options });
  return { engine, clock, store: sqliteOf(engine) };
};
