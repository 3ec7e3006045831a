import { openStore, type OpenStoreOptions } from '../store/index.js';
import { StateEngine, type EngineOptions } from './engine.js';

/**
 * The seed's get_state_manager: opens the store named by URL and the engine over it.
 * `sqlite:<path>` is the embedded store; any other scheme is refused with the list of known ones.
 */
export const openEngine = (
  options: { store: string; clock?: () => number } & OpenStoreOptions & Omit<EngineOptions, 'store' | 'clock'>,
): StateEngine => {
  const { store: url, clock, durability, origin, ...rest } = options;
  const store = openStore(url, {
    ...(durability === undefined ? {} : { durability }),
    ...(origin === undefined ? {} : { origin }),
    ...(clock === undefined ? {} : { clock }),
  });
  try {
    return new StateEngine({ store, ...(clock === undefined ? {} : { clock }), ...rest });
  } catch (error) {
    void store.close();
    throw error;
  }
};
