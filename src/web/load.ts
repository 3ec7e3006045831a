import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api.js';
import { useLive } from './live.js';

export interface Loaded<T> {
  readonly data: T | null;
  readonly error: ApiError | null;
  readonly loading: boolean;
}

/**
 * Loads what a view shows, again whenever `key` changes (another view: what was shown goes), or the log moves (live)
 * or `again` changes (the same view: what it showed stays until the new answer is in, no flicker); an answer that
 * arrives after a newer request started is dropped.
 */
export const useLoad = <T>(load: () => Promise<T>, key: string, again = 0): Loaded<T> => {
  const { version } = useLive();
  const [state, setState] = useState<Loaded<T>>({ data: null, error: null, loading: true });
  const latest = useRef(0);
  const shownKey = useRef(key);
  useEffect(() => {
    const ticket = (latest.current += 1);
    const sameView = shownKey.current === key;
    shownKey.current = key;
    setState((s) => (sameView ? { ...s, loading: true } : { data: null, error: null, loading: true }));
    load().then(
      (data) => ticket === latest.current && setState({ data, error: null, loading: false }),
      (error: unknown) =>
        ticket === latest.current &&
        setState((s) => ({ data: s.data, error: error instanceof ApiError ? error : new ApiError(0, String(error)), loading: false })),
    );
  }, [key, version, again]);
  return state;
};
