import type { StateEngine } from '../../src/engine/index.js';
import type { RecordedEvent } from '../../src/events/index.js';
import type { ReadAllOptions, ReadStreamOptions } from '../../src/ports/log.js';
import { collect } from './events.js';

/** What tests read of an engine's log, through the log port only (so every backend answers the same way). */
export const headOf = (engine: StateEngine): Promise<number> => engine.backend.log.headPosition();

export const streamOf = (engine: StateEngine, stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> =>
  collect(engine.backend.log.readStream(stream, options));

/** Every event of the log (every origin's), in position order. */
export const allOf = (engine: StateEngine, options?: ReadAllOptions): Promise<RecordedEvent[]> => collect(engine.backend.log.readAll(options));

/** The events of one origin the engine's log holds, in position order. */
export const fromOrigin = async (engine: StateEngine, origin: string): Promise<RecordedEvent[]> =>
  (await allOf(engine)).filter((e) => e.meta.origin === origin);
