import * as t from 'io-ts';
import { metaFields, UuidLike, StreamName } from './envelope.js';
import { Id, Instant } from './primitives.js';

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
    t.partial(Object.fromEntries(metaFields.map((f) => [f, t.string])) as Record<(typeof metaFields)[number], t.StringC>),
  ]),
  checksum: t.refinement(t.string, (s) => /^[0-9a-f]{64}$/.test(s), 'SHA-256 hex'),
});
export type ForeignEvent = t.TypeOf<typeof ForeignEvent>;
