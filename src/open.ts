import { bodySettingsFromEnv } from './body-settings.js';
import { StateEngine, type EngineOptions } from './engine/index.js';
import { openBackend, openLog as openStoreLog, type OpenBackendOptions } from './store/open.js';

export { openLogCopy, openMigrationEnd, storeIdentity, type MigrationEnd } from './store/open.js';

export type OpenEngineOptions = { readonly store: string } & OpenBackendOptions & Omit<EngineOptions, 'backend'>;

/**
 * The seed's get_state_manager, and the composition root: opens the backend named by URL (`sqlite:<path>`,
 * `postgres://…`) and the engine over it. The faces (CLI, HTTP) call this; they never import a store adapter.
 */
export const openEngine = async (options: OpenEngineOptions): Promise<StateEngine> => {
  const { store: url, clock, beforeCommit, bodies, ...rest } = options;
  // Body settings are checked before the store opens: a bad key is bad input, and nothing is created.
  const settings = { ...bodySettingsFromEnv(options.env ?? process.env), ...bodies };
  const backend = await openBackend(url, { ...rest, ...(clock === undefined ? {} : { clock }) });
  return new StateEngine({ backend, bodies: settings, ...(clock === undefined ? {} : { clock }), ...(beforeCommit === undefined ? {} : { beforeCommit }) });
};

/** The log alone, without its read models (`log stats|tail|verify`): nothing is rebuilt or projected. */
export const openLog = (url: string, options: OpenBackendOptions = {}) => openStoreLog(url, options);
