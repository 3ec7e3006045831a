import * as t from 'io-ts';
import { InvalidInput } from '../errors.js';
import { hasControl, Instant, type Json } from './primitives.js';

/** A stream name: `<category>-<id>`, 1-512 characters, no control characters. */
export const StreamName = t.refinement(
  t.string,
  (s) => s.length > 0 && s.length <= 512 && !hasControl(s),
  'stream name (1-512 characters, no control characters)',
);

export const assertStreamName = (stream: unknown): string => {
  if (!StreamName.is(stream)) throw new InvalidInput('stream', stream, StreamName.name);
  return stream;
};

/** `n` is the revision of the stream's last event (0-based), as EventStoreDB counts. */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | number;
export const assertExpectedRevision = (value: unknown): ExpectedRevision => {
  if (value === 'any' || value === 'no_stream' || value === 'stream_exists') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  throw new InvalidInput('expectedRevision', value, "'any', 'no_stream', 'stream_exists' or a revision >= 0");
};

export const UuidLike = t.refinement(
  t.string,
  (s) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(s),
  'event id (lower-case UUID)',
);

/**
 * Who asked for an event, as its writer authenticated them. `actor` is the authenticated name; `onBehalfOf` the
 * person an admin or service identity named (never set for a person acting as itself); `localUser` the operating
 * system account of a CLI run under `--as`. Like the rest of the meta, all of it is covered by the checksum.
 */
export interface ActorMeta {
  readonly actor?: string;
  readonly actorRole?: string;
  readonly actorTokenId?: string;
  /** How the actor was authenticated: token, legacy-token, proxy or local (the CLI on the machine). */
  readonly actorVia?: string;
  readonly onBehalfOf?: string;
  readonly localUser?: string;
}

/** The optional meta fields a writer may give, each text of at most 512 characters. */
export const metaFields = [
  'actor',
  'actorRole',
  'actorTokenId',
  'actorVia',
  'onBehalfOf',
  'localUser',
  'correlationId',
  'causationId',
] as const;

export type GivenMeta = ActorMeta & { readonly correlationId?: string; readonly causationId?: string };

export interface EventMeta extends GivenMeta {
  readonly recordedAt: Instant;
  readonly origin: string;
}

/** What a caller hands the store; the store adds stream, revision, position, recordedAt, origin and checksum. */
export interface NewEvent {
  readonly id?: string;
  readonly type: string;
  readonly data: unknown;
  readonly meta?: GivenMeta;
}

export interface RecordedEvent<T extends string = string, D = Json> {
  readonly id: string;
  readonly stream: string;
  readonly revision: number;
  readonly position: number;
  readonly type: T;
  readonly schema: number;
  readonly data: D;
  readonly meta: EventMeta;
  readonly checksum: string;
}

/**
 * A recorded event as deciders and projections see it. Sound because the store decodes every event's data with
 * its type's codec before writing it, and readers upcast old schemas to the current one.
 */
export const asDomainEvent = (event: RecordedEvent): import('./catalogue.js').DomainEvent =>
  event as unknown as import('./catalogue.js').DomainEvent;
