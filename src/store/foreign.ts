import { isLeft } from 'fp-ts/lib/Either.js';
import {
  canonicalJson,
  currentSchema,
  ForeignEvent,
  isEventType,
  upcast,
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
