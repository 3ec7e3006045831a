import type { Timer } from '../../../src/schedule/index.js';
import type { TestClock } from '../../support/engine.js';

// One macrotask turn: every promise chain a fired callback started runs to its end or to real I/O.
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A timer on a TestClock: nothing fires until the test moves time, and then each callback fires at its own time.
 * After each, `settled` waits for what the callback started (engine calls, executors that resolve at once): by
 * default one turn, which is enough for a store that answers within it (SQLite); give an IoTracker's `idle` for a
 * store that answers over the network, so time moves on only once the scheduler's pass and its runs reached the log.
 */
export class FakeTimer implements Timer {
  private pending: { due: number; seq: number; fn: () => void }[] = [];
  private seq = 0;

  constructor(
    private readonly clock: TestClock,
    private readonly settled: () => Promise<void> = turn,
  ) {}

  after(ms: number, fn: () => void): () => void {
    const entry = { due: this.clock.ms + Math.max(0, ms), seq: (this.seq += 1), fn };
    this.pending.push(entry);
    return () => {
      this.pending = this.pending.filter((e) => e !== entry);
    };
  }

  /** Timers waiting (for assertions on what a stopped scheduler left behind). */
  get size(): number {
    return this.pending.length;
  }

  /** Moves the clock to `to`, firing each timer due on the way with the clock at its due time. */
  async advanceTo(to: number): Promise<void> {
    await this.settled();
    for (;;) {
      const next = this.pending.filter((e) => e.due <= to).sort((a, b) => a.due - b.due || a.seq - b.seq)[0];
      if (next === undefined) break;
      this.pending = this.pending.filter((e) => e !== next);
      this.clock.ms = Math.max(this.clock.ms, next.due);
      next.fn();
      await this.settled();
    }
    this.clock.ms = Math.max(this.clock.ms, to);
    await this.settled();
  }

  advance(minutes: number): Promise<void> {
    return this.advanceTo(this.clock.ms + minutes * 60_000);
  }
}
