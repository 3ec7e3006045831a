import { isLeft } from 'fp-ts/lib/Either.js';
import {
  canonicalJson,
  checksumOf,
  currentSchema,
  ForeignEvent,
  genesisChecksum,
  isEventType,
  readableData,
  validateEvent,
  type Json,
} from '../events/index.js';
import type { Divergence as PortDivergence } from '../ports/backend.js';
import { InvalidInput } from '../errors.js';

export { ForeignEvent } from '../events/index.js';
export type { CappedEvent, ImportOutcome, ImportRules } from '../ports/backend.js';

/** A diverged history: the local copy stays; the remote one is reported (and stays on the hub). */
export interface Divergence extends PortDivergence {
  readonly remote: ForeignEvent;
}

/** A foreign event decoded and checked, with the canonical texts its checksum covers. */
export interface CheckedForeignEvent {
  readonly event: ForeignEvent;
  readonly data: Json;
  readonly dataJson: string;
  readonly metaJson: string;
  /** What readers see (projections applied with the import): the data upcast to the type's current schema. */
  readonly current: { readonly schema: number; readonly data: Json };
}

/** Decodes one replicated event: its envelope, its type and its data against the type's codec (at the current schema). */
export const checkForeignEvent = (raw: unknown, where: string): CheckedForeignEvent => {
  const decoded = ForeignEvent.decode(raw);
  if (isLeft(decoded)) throw InvalidInput.from(decoded.left, where);
  const e = decoded.right;
  if (!isEventType(e.type)) throw new InvalidInput(`${where}.type`, e.type, 'a known event type');
  // The data is checked at the current schema, but stored as written: the checksum covers the original bytes. A
  // writer ahead of this reader is said to be so (and what it needs), never "corrupt".
  const data = e.data as Json;
  const readable = readableData(e.type, e.schema, data, `${where} (event ${e.id} of ${e.meta.origin}, stream ${e.stream})`);
  const checked = validateEvent(e.stream, e.type, readable, `${where}`);
  const dataJson = canonicalJson(data);
  const metaJson = canonicalJson(e.meta);
  return { event: e, data, dataJson, metaJson, current: { schema: currentSchema(e.type), data: checked.data } };
};

/** Where an origin's chain of one stream stands during an import: its last revision and checksum, or none yet. */
export type ChainTail = { readonly revision: number; readonly checksum: string } | null;

/**
 * Places one replicated event on its chain (both stores' imports): `skip` when the same event is already stored,
 * `diverged` when another event holds its revision (the local one stays; the policy decides what to record),
 * `extend` with the new tail when it is the next revision and its checksum follows. A revision past the next, or a
 * checksum that does not follow, is bad input naming the field: the batch was altered or events are missing.
 */
export const placeOnChain = (
  checked: CheckedForeignEvent,
  chain: ChainTail,
  localChecksumAt: (revision: number) => string | undefined,
  where: string,
): { readonly kind: 'skip' } | { readonly kind: 'diverged'; readonly divergence: Divergence } | { readonly kind: 'extend'; readonly tail: ChainTail } => {
  const { event: e, dataJson, metaJson } = checked;
  const next = chain === null ? 0 : chain.revision + 1;
  if (e.revision < next) {
    const local = localChecksumAt(e.revision);
    if (local === e.checksum) return { kind: 'skip' };
    return {
      kind: 'diverged',
      divergence: { stream: e.stream, origin: e.meta.origin, revision: e.revision, localChecksum: local ?? '', remoteChecksum: e.checksum, remote: e },
    };
  }
  if (e.revision > next)
    throw new InvalidInput(`${where}.revision`, e.revision, `${next} (the next revision of ${e.stream} from ${e.meta.origin}; earlier events are missing)`);
  const computed = checksumOf({ id: e.id, stream: e.stream, revision: e.revision, type: e.type, schema: e.schema, dataJson, metaJson }, chain?.checksum ?? genesisChecksum);
  if (computed !== e.checksum) throw new InvalidInput(`${where}.checksum`, e.checksum, `${computed} (the event or the chain before it was altered)`);
  return { kind: 'extend', tail: { revision: e.revision, checksum: e.checksum } };
};
