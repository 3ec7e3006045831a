import type pg from 'pg';
import type { Committed, InTransaction } from '../../src/store/postgres/index.js';
import type { SubscriptionItem, Subscription } from '../../src/store/index.js';

/** A commit hook that stops inside the transaction (events inserted, order lock held) until released. */
export const heldCommit = (): { hook: InTransaction<Committed>; inside: Promise<void>; release: () => void } => {
  let release = () => undefined as void;
  let entered = () => undefined as void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const inside = new Promise<void>((resolve) => (entered = resolve));
  return {
    hook: async (_client: pg.PoolClient, committed: Committed) => {
      entered();
      await gate;
      return committed;
    },
    inside,
    release,
  };
};

/** Checks `condition` until it holds (a signal from the database, not a sleep); fails after `timeoutMs`. */
export const waitUntil = async (condition: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

/** Sessions of this database waiting for an advisory lock. */
export const waitingForAdvisoryLock = async (admin: pg.Client): Promise<number> => {
  const { rows } = await admin.query<{ n: string }>(
    "SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
  );
  return Number(rows[0]?.n ?? 0);
};

/** Reads a subscription item by item. */
export const reader = (subscription: Subscription) => {
  const iterator = subscription[Symbol.asyncIterator]();
  const next = async (): Promise<SubscriptionItem> => {
    const item = await iterator.next();
    if (item.done) throw new Error('subscription ended');
    return item.value;
  };
  return {
    next,
    /** The next item, which must be an event; returns its text. */
    nextText: async (): Promise<string> => {
      const item = await next();
      if (item.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(item)}`);
      return (item.event.data as { text: string }).text;
    },
    untilCaughtUp: async (): Promise<number> => {
      for (;;) {
        const item = await next();
        if (item.kind === 'caught_up') return item.position;
      }
    },
  };
};
