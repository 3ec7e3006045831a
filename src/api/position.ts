import type { StateEngine } from '../engine/index.js';
import type { Subscription } from '../ports/log.js';
import type { Logger } from './log.js';

interface Waiter {
  readonly position: number;
  readonly done: (reached: boolean) => void;
}

/**
 * Knows the log position the read models reflect. It follows a store subscription (which sees appends by other
 * processes by polling, every 25 ms by default) and after each burst of events calls `engine.refresh()`, which
 * returns at once when the writers applied their projections in their own transactions and otherwise catches
 * the read models up. `waitFor` is how `?min_position` gets read-your-writes across processes.
 */
export class PositionTracker {
  private readonly waiters = new Set<Waiter>();
  private subscription: Subscription | null = null;
  private following: Promise<void> | null = null;
  private scheduled = false;
  /** Refreshes in flight: closing waits for them, so none runs on after the engine behind it has closed. */
  private readonly updating = new Set<Promise<number>>();
  /** Events seen through the subscription since start, by type (the `events appended` metric). */
  readonly appended = new Map<string, number>();

  private constructor(
    private readonly engine: StateEngine,
    private readonly log: Logger,
    private current: number,
  ) {}

  static async open(engine: StateEngine, log: Logger): Promise<PositionTracker> {
    return new PositionTracker(engine, log, await engine.refresh());
  }

  get position(): number {
    return this.current;
  }

  async start(): Promise<void> {
    const subscription = this.engine.backend.log.subscribe({ fromPosition: await this.engine.backend.log.headPosition() });
    this.subscription = subscription;
    this.following = this.follow(subscription).catch((error: unknown) => {
      // The server keeps answering at the last known position; min_position waits then time out (503).
      this.log('error', 'subscription failed', { error: error instanceof Error ? error.message : String(error) });
    });
  }

  private async follow(subscription: Subscription): Promise<void> {
    let sinceYield = 0;
    for await (const item of subscription) {
      if (item.kind === 'event') this.appended.set(item.event.type, (this.appended.get(item.event.type) ?? 0) + 1);
      this.schedule();
      // A subscription hands over a caught-up page without returning to the event loop: let requests in.
      if ((sinceYield += 1) >= 500) {
        sinceYield = 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
  }

  /** One refresh per burst of events, not per event. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.subscription !== null) void this.update();
    });
  }

  /** Reads the position now (catching up foreign appends) and releases the waiters it satisfies. */
  async update(): Promise<number> {
    const run = this.refreshAndRelease();
    this.updating.add(run);
    try {
      return await run;
    } finally {
      this.updating.delete(run);
    }
  }

  private async refreshAndRelease(): Promise<number> {
    try {
      this.current = Math.max(this.current, await this.engine.refresh());
    } catch (error) {
      this.log('warn', 'refresh failed', { error: error instanceof Error ? error.message : String(error) });
    }
    for (const w of this.waiters)
      if (w.position <= this.current) {
        this.waiters.delete(w);
        w.done(true);
      }
    return this.current;
  }

  /** Resolves true once the read models reach `position`, false after `timeoutMs` or on close. */
  async waitFor(position: number, timeoutMs: number): Promise<boolean> {
    if (position <= (await this.update())) return true;
    if (this.subscription === null) return false;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        resolve(false);
      }, timeoutMs);
      const waiter: Waiter = {
        position,
        done: (reached) => {
          clearTimeout(timer);
          resolve(reached);
        },
      };
      this.waiters.add(waiter);
    });
  }

  get waiting(): number {
    return this.waiters.size;
  }

  async close(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = null;
    for (const w of this.waiters) w.done(false);
    this.waiters.clear();
    await subscription?.close();
    await this.following;
    await Promise.all(this.updating);
  }
}
