import type { RecordedEvent } from '../../events/index.js';
import type { SubscribeOptions, Subscription, SubscriptionItem } from '../contract.js';
import type { Notifier } from './notifier.js';

export interface PageSource {
  /** One page of matching events after `position`, and the head position, read in one snapshot. */
  page(position: number): Promise<{ readonly events: readonly RecordedEvent[]; readonly head: number }>;
  readonly notifier: Notifier;
}

/**
 * Catch-up then live, as the embedded store's subscription: pages by position until a page comes back empty, says
 * `caught_up` once, then waits for a wake-up (a commit here, a NOTIFY, or the poll) and reads the next page.
 */
export const subscribeTo = (source: PageSource, options: SubscribeOptions): Subscription => {
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
  let off: (() => void) | null = null;
  const stop = () => {
    closed = true;
    off?.();
    off = null;
    poke();
  };

  async function* items(): AsyncGenerator<SubscriptionItem> {
    let caughtUp = false;
    // Listening from the start: a commit between the last catch-up page and the first wait still wakes us.
    off = source.notifier.on(poke);
    try {
      while (!closed) {
        // A wake-up that arrives while a page is being read must not be lost: it is remembered and the next wait
        // returns at once.
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
