import { asDomainEvent, instantOf } from '../events/index.js';
import { InvalidInput } from '../errors.js';
import { appendRecords } from '../engine/replication.js';
import type { StateEngine } from '../engine/index.js';
import { originStream } from './naming.js';

export interface OriginInfo {
  readonly origin: string;
  readonly central: boolean;
}

/** The OriginNamed event of the store's own origin, if the data dir has synced before. */
export const ownOrigin = async (engine: StateEngine): Promise<OriginInfo | null> => {
  for await (const e of engine.backend.log.readStream(originStream)) {
    const d = asDomainEvent(e);
    if (d.type === 'OriginNamed') return { origin: d.data.origin, central: d.data.central };
  }
  return null;
};

/**
 * Fixes the data dir's origin on its first sync and records it as an event. `--origin` can only name a data dir
 * that has not written as another origin yet (names are in every event's checksum); `--central` is fixed then too.
 */
export const ensureOrigin = async (
  engine: StateEngine,
  wanted: { origin?: string | undefined; central?: boolean | undefined },
  now: number,
): Promise<OriginInfo> => {
  const known = await ownOrigin(engine);
  if (known !== null) {
    if (wanted.origin !== undefined && wanted.origin !== known.origin)
      throw new InvalidInput('origin', wanted.origin, `${known.origin}, the name this data dir was given on its first sync`);
    if (wanted.central !== undefined && wanted.central !== known.central)
      throw new InvalidInput('central', wanted.central, `${known.central}, fixed on this data dir's first sync`);
    return known;
  }
  if (wanted.origin !== undefined && wanted.origin !== engine.origin) await engine.backend.renameOrigin(wanted.origin);
  const info = { origin: engine.origin, central: wanted.central ?? false };
  await appendRecords(engine, [{ stream: originStream, events: [{ type: 'OriginNamed', data: { origin: info.origin, central: info.central, at: instantOf(now) } }] }]);
  return info;
};
