import type { RecordedEvent } from '../events/index.js';
import type { SubscribeOptions, Subscription, SubscriptionItem } from './contract.js';

export interface SubscriptionSource {
  /** One page of matching events after `position`, and the head position, read in one snapshot. */
  page(position: number): Promise<SubscriptionPage> | SubscriptionPage;
  /**
   * Starts calling `wake` whenever the log may have grown (a commit here, a notification, a poll); returns how to stop.
   * Called once, before the first page, so a commit between the last catch-up page and the first wait still wakes.
   */
  watch(wake: () => void): () => void;
}

export interface SubscriptionPage {
  readonly events: readonly RecordedEvent[];
  readonly head: number;
}

/**
 * Catch-up then live, for every backend: pages by position until a page comes back empty (nothing matches up to
 * the head of the same snapshot, so the position moves past it), says `caught_up` once, then waits for a wake-up and
 * reads the next page. A wake-up that arrives while a page is read or an item is being handled is remembered, so
 * the next wait returns at once: none is lost.
 */
export const subscribeTo = (source: SubscriptionSource, options: SubscribeOptions): Subscription => {
  let position = options.fromPosition ?? 0;
  let closed = false;
  let signalled = false;
  let wake: (() => void) | null = null;
  const poke = () => {
    signalled = true;
    const w = wake;
    wake = null;
    w?.();
  };
  let unwatch: (() => void) | null = null;
  const stop = () => {
    closed = true;
    unwatch?.();
    unwatch = null;
    poke();
  };

  async function* items(): AsyncGenerator<SubscriptionItem> {
    let caughtUp = false;
    unwatch = source.watch(poke);
    try {
      while (!closed) {
        signalled = false;
        const { events, head } = await source.page(position);
        for (const event of events) {
          if (closed) return;
          position = event.position;
          yield { kind: 'event', event };
        }
        if (events.length > 0) continue;
        position = Math.max(position, head);
        if (!caughtUp) {
          caughtUp = true;
          yield { kind: 'caught_up', position };
          if (closed) return;
        }
        if (signalled) continue;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    } finally {
      stop();
    }
  }

  const iterator = items();
  return {
    [Symbol.asyncIterator]: () => iterator,
    close: async () => {
      stop();
      await iterator.return(undefined);
    },
  };
};
