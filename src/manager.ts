import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { StateManager, type StateEngine } from './engine/index.js';
import { openEngine, type OpenEngineOptions } from './open.js';

const managers = new Map<string, Promise<StateManager>>();
const overEngines = new WeakMap<StateEngine, StateManager>();

/** The store a manager opens when given none: $STANCE_STATE_STORE, else the data dir's SQLite file. */
export const defaultStoreUrl = (env: NodeJS.ProcessEnv = process.env): string =>
  env.STANCE_STATE_STORE || `sqlite:${join(resolve(env.STANCE_STATE_DIR || join(homedir(), '.stance-state')), 'stance.db')}`;

/** One key per store, however it was written: `sqlite:./a.db` and `sqlite:/abs/a.db` are one store. */
const keyOf = (url: string): string => (url.startsWith('sqlite:') ? `sqlite:${resolve(url.slice('sqlite:'.length))}` : url);

/**
 * The seed's StateManager.get_instance, without its global state: one manager per store per process (every call for
 * the same store returns the same instance, also while it is still opening), and closing it forgets it, so the next
 * call opens the store anew. There is no reset that could pull a store from under code still using it. An engine
 * (opened by the caller) gets its own manager, once.
 */
export const getStateManager = (store: string | StateEngine = defaultStoreUrl(), options: Omit<OpenEngineOptions, 'store'> = {}): Promise<StateManager> => {
  if (typeof store !== 'string') {
    let manager = overEngines.get(store);
    if (manager === undefined) overEngines.set(store, (manager = new StateManager(store)));
    return Promise.resolve(manager);
  }
  const key = keyOf(store);
  let opening = managers.get(key);
  if (opening === undefined) {
    opening = openEngine({ ...options, store: key }).then(
      (engine) =>
        new StateManager(engine, async () => {
          if (managers.get(key) === opening) managers.delete(key);
          await engine.close();
        }),
    );
    managers.set(key, opening);
    // A store that failed to open is not kept: the next call tries again.
    opening.catch(() => managers.get(key) === opening && managers.delete(key));
  }
  return opening;
};
