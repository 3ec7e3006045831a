import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import { ApiError, call } from './api.js';

export interface Live {
  /** Moves each time the log moves: views that read it load again. */
  readonly version: number;
  readonly position: number | null;
  /** Why following stopped for now (it retries), or null while it follows. */
  readonly problem: string | null;
}

export const LiveContext = createContext<Live>({ version: 0, position: null, problem: null });
export const useLive = (): Live => useContext(LiveContext);

const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

/**
 * Follows the log with a long poll (GET /v1/changes) sent like every other request, Bearer token included: the
 * browser's EventSource cannot send that header, and a token never goes in a URL. `identity` restarts it after a
 * sign-in or sign-out.
 */
export const useFollow = (identity: string): Live => {
  const [live, setLive] = useState<Live>({ version: 0, position: null, problem: null });
  useEffect(() => {
    const stop = new AbortController();
    const follow = async () => {
      let after: number | null = null;
      while (!stop.signal.aborted) {
        try {
          const path: string = after === null ? '/v1/changes' : `/v1/changes?after=${after}&wait=25`;
          const { data } = await call<{ position: number }>(path, { signal: stop.signal });
          const moved = after !== null && data.position !== after;
          after = data.position;
          setLive((l) => ({ version: moved ? l.version + 1 : l.version, position: data.position, problem: null }));
        } catch (error) {
          if (stop.signal.aborted) return;
          const problem = error instanceof ApiError ? error.message : 'live updates stopped';
          setLive((l) => ({ ...l, problem }));
          await pause(error instanceof ApiError && error.status >= 400 && error.status < 500 ? 15_000 : 3000, stop.signal);
        }
      }
    };
    void follow();
    return () => stop.abort();
  }, [identity]);
  return live;
};
