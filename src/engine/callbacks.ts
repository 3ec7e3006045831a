import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { ChangeKind } from '../domain/index.js';
import { InvalidInput } from '../errors.js';
import { Id, instantOf } from '../events/index.js';
import type { ConsumerLease, DeadLetter } from '../ports/consumers.js';
import type { Core } from './core.js';
import { changeOf, stateEventFilter, typeCache, type StateChange } from './state-feed.js';

/** What a handler gets besides the change: the fencing number it runs under, for whatever it writes elsewhere. */
export interface CallbackContext {
  readonly consumer: string;
  readonly fence: number;
  readonly attempt: number;
  /** Aborted when the handler's time is up or the consumer stops. */
  readonly signal: AbortSignal;
}

export type StateCallback = (change: StateChange, context: CallbackContext) => unknown;

export interface CallbackOptions {
  /** Only changes of these types (default: all). */
  readonly types?: readonly string[] | undefined;
  /** Only these transitions (create, update, …, rollback; default: all). */
  readonly transitions?: readonly ChangeKind[] | undefined;
  /** Who this process is, as the lease records it (default: host, pid and a random tag). */
  readonly holder?: string | undefined;
  /** How long a lease lasts unless renewed (default 30 s; renewed every third of it). */
  readonly leaseMs?: number | undefined;
  /** Tries after the first before a change is dead-lettered (default 3), with doubling waits from `backoffMs` (100). */
  readonly retries?: number | undefined;
  readonly backoffMs?: number | undefined;
  /** Where a consumer seen for the first time starts: `now` (the log's head, the default) or `start`. */
  readonly from?: 'now' | 'start' | undefined;
  /** How often a process without the lease tries to take it (default 1 s). */
  readonly pollMs?: number | undefined;
  /** Told of failures (a handler's error, a lost lease); the runner itself never logs. */
  readonly onError?: ((error: unknown, change: StateChange | null) => void) | undefined;
}

const defaultHolder = (): string => `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });

const errorText = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

/**
 * A named consumer of typed-state changes (the seed's register_callback), run after commit from a subscription whose
 * position is stored with the consumer. Several processes may run the same name: the one holding the consumer's lease
 * handles each change, the others wait to take over; the position moves only under the current fencing number, so a
 * holder stalled past its lease cannot move it once another took over. Delivery is at least once (a holder that dies
 * between a handler and the position's advance sees that change handled again by the next), in log order, one change
 * at a time. A handler that keeps failing is retried, then the change is recorded as a dead letter and passed over.
 *
 * Never concurrently: a holder starts a change only while its lease has more than the handler's time left (a third
 * of the lease), renews it meanwhile, and stops when a renewal fails. A process frozen for longer than its lease
 * (a stopped VM) can still wake inside a handler after another took over: the fencing number each handler gets is
 * what lets what it writes elsewhere refuse the stale one.
 */
export class CallbackRunner {
  readonly name: string;
  readonly holder: string;
  private readonly leaseMs: number;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly pollMs: number;
  private readonly stopping = new AbortController();
  private running: Promise<void> | null = null;
  private lease: ConsumerLease | null = null;
  private handled = 0;
  private waiters: { position: number; resolve: () => void }[] = [];
  private position = 0;

  constructor(
    private readonly core: Core,
    name: string,
    private readonly handler: StateCallback,
    private readonly options: CallbackOptions = {},
  ) {
    if (!Id.is(name)) throw new InvalidInput('name', name, Id.name);
    this.name = name;
    this.holder = options.holder ?? defaultHolder();
    this.leaseMs = options.leaseMs ?? 30_000;
    this.retries = options.retries ?? 3;
    this.backoffMs = options.backoffMs ?? 100;
    this.pollMs = options.pollMs ?? 1000;
    if (!Number.isSafeInteger(this.leaseMs) || this.leaseMs < 30) throw new InvalidInput('leaseMs', this.leaseMs, 'at least 30 ms');
    if (!Number.isSafeInteger(this.retries) || this.retries < 0) throw new InvalidInput('retries', this.retries, 'a whole number >= 0');
  }

  /** The changes this process's handler ran to completion or dead-lettered. */
  get count(): number {
    return this.handled;
  }

  /** The fencing number this process holds the consumer under, or null. */
  get fence(): number | null {
    return this.lease?.fence ?? null;
  }

  start(): this {
    this.running ??= this.loop().catch((error) => this.options.onError?.(error, null));
    return this;
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.running;
    for (const w of this.waiters) w.resolve();
    this.waiters = [];
  }

  /**
   * Resolves once this process has handled every state change up to `position` (or stopped): its position reached
   * it, or no state event lies between its position and `position` (other events do not move a consumer).
   */
  async until(position: number): Promise<void> {
    while (this.position < position && !this.stopping.signal.aborted) {
      let next: number | null = null;
      for await (const e of this.core.backend.log.readAll({ fromPosition: this.position, filter: stateEventFilter, limit: 1 })) next = e.position;
      if (next === null || next > position) return;
      const target = next;
      if (this.position < target) await new Promise<void>((resolve) => this.waiters.push({ position: target, resolve }));
    }
  }

  private moved(position: number): void {
    this.position = Math.max(this.position, position);
    const ready = this.waiters.filter((w) => w.position <= this.position);
    this.waiters = this.waiters.filter((w) => w.position > this.position);
    for (const w of ready) w.resolve();
  }

  private now(): number {
    return this.core.clock();
  }

  private async loop(): Promise<void> {
    const signal = this.stopping.signal;
    while (!signal.aborted) {
      const startAt = this.options.from === 'start' ? 0 : await this.core.backend.log.headPosition();
      const lease = await this.core.backend.consumers.acquire(this.name, this.holder, { ttlMs: this.leaseMs, now: this.now(), startAt });
      if (lease === null) {
        await sleep(this.pollMs, signal);
        continue;
      }
      this.lease = lease;
      try {
        await this.hold(signal);
      } catch (error) {
        this.options.onError?.(error, null);
      }
      const held = this.lease as ConsumerLease | null;
      this.lease = null;
      // Stopping lets go at once, so another process takes over without waiting for the lease to run out.
      if (signal.aborted && held !== null) await this.core.backend.consumers.release(held).catch((error) => this.options.onError?.(error, null));
      if (!signal.aborted) await sleep(this.pollMs, signal);
    }
  }

  /** Renews the lease; false (and the lease dropped) when another process took the consumer over. */
  private async renew(): Promise<boolean> {
    const lease = this.lease;
    if (lease === null) return false;
    const renewed = await this.core.backend.consumers.renew(lease, this.leaseMs, this.now());
    if (renewed === null) {
      this.lease = null;
      this.options.onError?.(new Error(`consumer ${this.name}: lease lost (fence ${lease.fence}); another process holds it`), null);
      return false;
    }
    this.lease = { ...renewed, position: Math.max(renewed.position, lease.position) };
    return true;
  }

  /** Handles changes while the lease holds: a subscription from the stored position, a renewal timer beside it. */
  private async hold(stopped: AbortSignal): Promise<void> {
    const lease = this.lease as ConsumerLease;
    this.moved(lease.position);
    const subscription = this.core.backend.log.subscribe({ fromPosition: lease.position, filter: stateEventFilter });
    const lost = new AbortController();
    const end = () => void subscription.close();
    stopped.addEventListener('abort', end, { once: true });
    lost.signal.addEventListener('abort', end, { once: true });
    const timer = setInterval(() => {
      void this.renew().then((ok) => (ok ? undefined : lost.abort()), () => lost.abort());
    }, Math.max(10, Math.floor(this.leaseMs / 3)));
    const types = typeCache();
    try {
      for await (const item of subscription) {
        if (stopped.aborted || lost.signal.aborted || this.lease === null) return;
        if (item.kind === 'caught_up') {
          // Nothing of ours up to here: store it, so a restart does not read the same stretch again.
          if (item.position > this.lease.position && !(await this.advance(item.position, []))) return;
          continue;
        }
        const change = await changeOf(this.core.backend.log, item.event, types.get);
        const dead: DeadLetter[] = [];
        if (change !== null) {
          types.set(change.state_id, change.type);
          if (this.wants(change)) {
            const failure = await this.deliver(change, stopped, lost.signal);
            if (failure === 'lost') return;
            if (failure !== null)
              dead.push({ consumer: this.name, position: change.position, eventId: item.event.id, stream: item.event.stream, attempts: this.retries + 1, error: failure, at: instantOf(this.now()) });
            this.handled += 1;
          }
        }
        if (!(await this.advance(item.event.position, dead))) return;
      }
    } finally {
      clearInterval(timer);
      stopped.removeEventListener('abort', end);
      await subscription.close();
    }
  }

  private wants(change: StateChange): boolean {
    const { types, transitions } = this.options;
    return (types === undefined || types.includes(change.type)) && (transitions === undefined || transitions.includes(change.transition));
  }

  private async advance(position: number, dead: readonly DeadLetter[]): Promise<boolean> {
    const lease = this.lease;
    if (lease === null) return false;
    if (!(await this.core.backend.consumers.advance(lease, position, dead))) {
      this.lease = null;
      this.options.onError?.(new Error(`consumer ${this.name}: fenced at fence ${lease.fence}; another process took it over`), null);
      return false;
    }
    this.lease = { ...lease, position };
    this.moved(position);
    return true;
  }

  /**
   * Runs the handler with retries; null when it succeeded, its last error when every try failed, `lost` when the
   * lease went meanwhile (the change is left for the new holder).
   */
  private async deliver(change: StateChange, stopped: AbortSignal, lost: AbortSignal): Promise<string | null | 'lost'> {
    const budget = Math.floor(this.leaseMs / 3);
    let last = '';
    for (let attempt = 1; attempt <= this.retries + 1; attempt += 1) {
      // Start only with a lease that outlasts the handler's time.
      if (this.lease === null || this.lease.expiresAt - this.now() <= budget) if (!(await this.renew())) return 'lost';
      if (stopped.aborted || lost.aborted) return 'lost';
      const timeout = new AbortController();
      const timer = setTimeout(() => timeout.abort(), budget);
      const signal = AbortSignal.any([timeout.signal, stopped, lost]);
      try {
        await Promise.race([
          Promise.resolve().then(() => this.handler(change, { consumer: this.name, fence: (this.lease as ConsumerLease).fence, attempt, signal })),
          new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error(`handler did not finish within ${budget} ms`)), { once: true })),
        ]);
        return null;
      } catch (error) {
        last = errorText(error);
        this.options.onError?.(error, change);
        if (lost.aborted || this.lease === null) return 'lost';
      } finally {
        clearTimeout(timer);
      }
      if (attempt <= this.retries) await sleep(this.backoffMs * 2 ** (attempt - 1), stopped);
    }
    return last;
  }
}
