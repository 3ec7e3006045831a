import * as t from 'io-ts';
import { isLeft } from 'fp-ts/lib/Either.js';
import {
  canonicalJson,
  currentSchema,
  Id,
  Instant,
  isEventType,
  StreamName,
  upcast,
  UuidLike,
  validateEvent,
  type Json,
  type RecordedEvent,
} from '../events/index.js';
import { InvalidInput } from '../errors.js';

/** An event as another replica recorded it: everything but its position, which is local. */
export const ForeignEvent = t.strict({
  id: UuidLike,
  stream: StreamName,
  revision: t.refinement(t.number, (n) => Number.isSafeInteger(n) && n >= 0, 'revision (integer >= 0)'),
  type: t.string,
  schema: t.refinement(t.number, (n) => Number.isSafeInteger(n) && n >= 1, 'schema (integer >= 1)'),
  data: t.unknown,
  meta: t.intersection([
    t.type({ recordedAt: Instant, origin: Id }),
    t.partial({ actor: t.string, correlationId: t.string, causationId: t.string }),
  ]),
  checksum: t.refinement(t.string, (s) => /^[0-9a-f]{64}$/.test(s), 'SHA-256 hex'),
});
export type ForeignEvent = t.TypeOf<typeof ForeignEvent>;

export interface Divergence {
  readonly stream: string;
  readonly origin: string;
  readonly revision: number;
  readonly localChecksum: string;
  readonly remoteChecksum: string;
  readonly remote: ForeignEvent;
}

/** What an import did: events appended, events already here (same checksum), histories that diverged. */
export interface ImportOutcome {
  readonly imported: readonly RecordedEvent[];
  readonly skipped: number;
  readonly diverged: readonly Divergence[];
}

/** A foreign event decoded and checked, with the canonical texts its checksum covers. */
export interface CheckedForeignEvent {
  readonly event: ForeignEvent;
  readonly data: Json;
  readonly dataJson: string;
  readonly metaJson: string;
}

/** Decodes one replicated event: its envelope, its type and its data against the type's codec (at the current schema). */
export const checkForeignEvent = (raw: unknown, where: string): CheckedForeignEvent => {
  const decoded = ForeignEvent.decode(raw);
  if (isLeft(decoded)) throw InvalidInput.from(decoded.left, where);
  const e = decoded.right;
  if (!isEventType(e.type)) throw new InvalidInput(`${where}.type`, e.type, 'a known event type');
  if (e.schema > currentSchema(e.type)) throw new InvalidInput(`${where}.schema`, e.schema, `at most ${currentSchema(e.type)} for ${e.type}`);
  // The data is checked at the current schema, but stored as written: the checksum covers the original bytes.
  const data = e.data as Json;
  validateEvent(e.stream, e.type, upcast(e.type, e.schema, currentSchema(e.type), data).data, `${where}`);
  const dataJson = canonicalJson(data);
  const metaJson = canonicalJson(e.meta);
  return { event: e, data, dataJson, metaJson };
};
