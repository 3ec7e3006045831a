/**
 * How a scheduler waits: injected, so tests move time by hand and nothing sleeps. Delays are in milliseconds of
 * the scheduler's clock (the engine's).
 */
export interface Timer {
  /** Calls `fn` once after `ms`; the returned function cancels it. */
  after(ms: number, fn: () => void): () => void;
}

// setTimeout holds a signed 32-bit delay (about 24.8 days) and fires at once past it: a longer wait (a run's
// timeout of a month) is taken in steps.
const MAX_DELAY = 2 ** 31 - 1;

export const systemTimer: Timer = {
  after: (ms, fn) => {
    let handle: NodeJS.Timeout;
    const wait = (left: number) => {
      const step = Math.min(Math.max(0, left), MAX_DELAY);
      handle = setTimeout(() => (left > MAX_DELAY ? wait(left - MAX_DELAY) : fn()), step);
    };
    wait(ms);
    return () => clearTimeout(handle);
  },
};
