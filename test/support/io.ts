import type { Backend } from '../../src/ports/backend.js';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Counts a backend's calls in flight, so a test on a hand-moved clock can wait until the work a fired timer started
 * has finished talking to the store. On SQLite every call completes within a turn of the event loop; on PostgreSQL
 * each is a round trip, and "one turn" would leave the scheduler mid-pass while the test moves time on.
 */
export class IoTracker {
  private inFlight = 0;
  private waiters: (() => void)[] = [];
  private readonly wrapped = new WeakMap<object, object>();

  private track<T>(promise: Promise<T>): Promise<T> {
    this.inFlight += 1;
    return promise.finally(() => {
      this.inFlight -= 1;
      if (this.inFlight === 0) for (const wake of this.waiters.splice(0)) wake();
    });
  }

  /** Resolves once a whole turn of the event loop passes with no backend call in flight. */
  async idle(): Promise<void> {
    for (;;) {
      await turn();
      if (this.inFlight === 0) return;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** The backend with every promise it returns (and every page of every read) counted; `subscribe` is left alone. */
  backend(backend: Backend): Backend {
    return this.wrap(backend);
  }

  private wrap<T extends object>(target: T): T {
    const known = this.wrapped.get(target);
    if (known !== undefined) return known as T;
    const proxy = new Proxy(target, {
      get: (t, key) => {
        const value: unknown = Reflect.get(t, key, t);
        if (typeof value === 'function') {
          if (key === 'subscribe') return (value as (...a: unknown[]) => unknown).bind(t);
          return (...args: unknown[]) => this.result((value as (...a: unknown[]) => unknown).apply(t, args));
        }
        // The log and the read models, reached as properties of the backend.
        if ((key === 'log' || key === 'models') && typeof value === 'object' && value !== null) return this.wrap(value);
        return value;
      },
    });
    this.wrapped.set(target, proxy);
    return proxy;
  }

  private result(value: unknown): unknown {
    if (value instanceof Promise) return this.track(value);
    if (typeof value === 'object' && value !== null && Symbol.asyncIterator in value) {
      const iterable = value as AsyncIterable<unknown>;
      return {
        [Symbol.asyncIterator]: () => {
          const it = iterable[Symbol.asyncIterator]();
          return {
            next: () => this.track(it.next()),
            return: async (v?: unknown) => (it.return === undefined ? { done: true as const, value: v } : this.track(it.return(v))),
          };
        },
      };
    }
    return value;
  }
}
