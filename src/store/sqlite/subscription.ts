import type { EventEmitter } from 'node:events';
import type { RecordedEvent } from '../../events/index.js';
import type { SubscribeOptions, Subscription, SubscriptionItem } from '../contract.js';

export interface SubscriptionSource {
  /** One page of events after `position` matching the filter, and the head position, read in one snapshot. */
  page(position: number): { readonly events: readonly RecordedEvent[]; readonly head: number };
  headPosition(): number;
  /** Emits 'appended' after a commit in this process. */
  readonly local: EventEmitter;
  readonly pollMs: number;
}

/**
 * Catch-up then live. Appends by this process wake the subscription at once; appends by other processes on the
 * same file are seen by polling the head position (one indexed MAX(rowid) per tick), since SQLite has no
 * cross-process notification.
 */
export const subscribeTo = (source: SubscriptionSource, options: SubscribeOptions): Subscription => {
  let position = options.fromPosition ?? 0;
  let closed = false;
  let wake: (() => void) | null = null;
  const poke = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  source.local.on('appended', poke);
  let timer: NodeJS.Timeout | null = null;
  let lastHead = -1;
  const startPolling = () => {
    timer ??= setInterval(() => {
      const head = source.headPosition();
      if (head !== lastHead) {
        lastHead = head;
        poke();
      }
    }, source.pollMs);
  };
  const stop = () => {
    closed = true;
    source.local.off('appended', poke);
    if (timer !== null) clearInterval(timer);
    poke();
  };

  async function* items(): AsyncGenerator<SubscriptionItem> {
    let caughtUp = false;
    try {
      while (!closed) {
        const { events, head } = source.page(position);
        for (const event of events) {
          if (closed) return;
          position = event.position;
          yield { kind: 'event', event };
        }
        if (events.length > 0) continue;
        // An empty page means nothing matches up to the head of the same snapshot: skip past it.
        position = Math.max(position, head);
        if (!caughtUp) {
          caughtUp = true;
          yield { kind: 'caught_up', position };
          if (closed) return;
        }
        startPolling();
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
