import type { Projection } from '../../projections/index.js';
import { StateEngine, type BodySettings } from '../../src/engine/index.js';
import { openEngine } from '../../src/open.js';
import { openBackend } from '../../src/store/open.js';
import type { IoTracker } from './io.js';
import { freshStore, testBackendName, type TestStore } from './stores.js';

export { freshStore, openRawLog, testBackendName, type TestBackendName, type TestStore } from './stores.js';

/** A clock the test moves by hand: starts at 2026-01-01T00:00:00Z. */
export class TestClock {
  ms = Date.UTC(2026, 0, 1);
  readonly now = (): number => this.ms;
  advance(minutes: number): void {
    this.ms += minutes * 60_000;
  }
  days(n: number): void {
    this.ms += n * 86_400_000;
  }
  iso(): string {
    return new Date(this.ms).toISOString();
  }
}

export interface TestEngineOptions {
  readonly origin?: string;
  readonly clock?: () => number;
  readonly beforeCommit?: () => Promise<void>;
  readonly projections?: readonly Projection[];
  readonly onRebuild?: (name: string, done: number, total: number) => void;
  /** Counts the backend's calls in flight (the engine is then built here around the wrapped backend, as openEngine does). */
  readonly io?: IoTracker;
  /** How session bodies are compressed and sealed (default: the engine's, gzip level 6, no key). */
  readonly bodies?: Partial<BodySettings>;
}

const open = async (url: string, options: TestEngineOptions): Promise<StateEngine> => {
  const { io, clock, beforeCommit, bodies, ...rest } = options;
  if (io === undefined) return openEngine({ store: url, durability: 'normal', ...options });
  const backend = await openBackend(url, { durability: 'normal', ...rest, ...(clock === undefined ? {} : { clock }) });
  return new StateEngine({
    backend: io.backend(backend),
    ...(clock === undefined ? {} : { clock }),
    ...(beforeCommit === undefined ? {} : { beforeCommit }),
    ...(bodies === undefined ? {} : { bodies }),
  });
};

const urls = new WeakMap<StateEngine, string>();
/** Engines open on each store a helper dropped with its last engine, and the store to drop then. */
const owned = new Map<string, { store: TestStore; open: number }>();

/**
 * An engine on the store at `url`, as any process of the same deployment opens it (a second one on the same file
 * or schema is "another process"). `durability: normal` on SQLite: these tests never pull the power.
 */
export const engineOn = async (url: string, options: TestEngineOptions = {}): Promise<StateEngine> => {
  const engine = await open(url, options);
  urls.set(engine, url);
  const entry = owned.get(url);
  if (entry !== undefined) {
    entry.open += 1;
    const close = engine.close;
    let closed: Promise<void> | null = null;
    engine.close = () =>
      (closed ??= (async () => {
        await close();
        entry.open -= 1;
        if (entry.open === 0 && owned.get(url) === entry) {
          owned.delete(url);
          await entry.store.drop();
        }
      })());
  }
  return engine;
};

/** The store URL an engine opened by these helpers runs on. */
export const storeUrlOf = (engine: StateEngine): string => {
  const url = urls.get(engine);
  if (url === undefined) throw new Error('this engine was not opened by test/support/engine.ts');
  return url;
};

/** A second engine on the same store as `engine`: another process, another writer, a racing decision. */
export const siblingOf = (engine: StateEngine, options: TestEngineOptions = {}): Promise<StateEngine> => engineOn(storeUrlOf(engine), options);

/**
 * Engines opened on `store` drop it once the last of them closes (a PostgreSQL schema goes when the test is done
 * with it); returns the store.
 */
export const dropWithLastEngine = (store: TestStore): TestStore => {
  if (!owned.has(store.url)) owned.set(store.url, { store, open: 0 });
  return store;
};

/**
 * An engine on a fresh store of the test backend (`STANCE_TEST_BACKEND`: an SQLite file in `dir`, or a PostgreSQL
 * schema) with its own test clock and origin `test`. The store is dropped when its last engine closes.
 */
export const openTestEngine = async (dir: string, clock = new TestClock(), options: TestEngineOptions = {}) => {
  const store = dropWithLastEngine(await freshStore(dir, 'engine'));
  const engine = await engineOn(store.url, { origin: 'test', clock: clock.now, ...options });
  return { engine, clock, url: store.url };
};

/** `sqlite` or `postgres`, for a suite's name: `engine: findings [postgres]`. */
export const onBackend = (name: string): string => `${name} [${testBackendName()}]`;
