import * as t from 'io-ts';
import { isLeft } from 'fp-ts/lib/Either.js';
import { InvalidInput, NewerSchema } from '../errors.js';
import { release } from '../release.js';
import { upcast } from './upcasters.js';
import { policyEvents, tokenEvents } from './access.js';
import { checkpointEvents } from './checkpoint.js';
import { findingEvents } from './finding.js';
import { jobEvents } from './job.js';
import { scanEvents } from './scan.js';
import { slaEvents } from './sla.js';
import { bodyEvents, sessionEvents } from './session.js';
import { stateEvents, stateTypeEvents } from './state.js';
import type { Json } from './primitives.js';
import { entityStreams } from './streams.js';
import { syncEvents, syncPullEvents, syncTrustEvents } from './sync.js';

/** The current schema of the types past their first: the one readers upcast to and codecs describe. */
const currentSchemas: Readonly<Record<string, number>> = { FindingTracked: 2 };

/** Every event type the engine writes, keyed by type, with the stream category it belongs to. */
export const catalogue = {
  ...withCategory('scan', scanEvents),
  ...withCategory('checkpoint', checkpointEvents),
  ...withCategory('finding', findingEvents),
  ...withCategory('job', jobEvents),
  ...withCategory('sync', syncEvents),
  ...withCategory('sync', syncTrustEvents),
  ...withCategory('sync', syncPullEvents),
  ...withCategory('token', tokenEvents),
  ...withCategory('policy', policyEvents),
  ...withCategory('state', stateEvents),
  ...withCategory('statetype', stateTypeEvents),
  ...withCategory('session', sessionEvents),
  ...withCategory('body', bodyEvents),
  ...withCategory('sla', slaEvents),
};

function withCategory<K extends string, C extends Record<string, t.Mixed>>(category: K, codecs: C) {
  const out = {} as { [T in keyof C]: { category: K; schema: number; codec: C[T] } };
  for (const type of Object.keys(codecs) as (keyof C)[])
    out[type] = { category, schema: currentSchemas[type as string] ?? 1, codec: codecs[type] };
  return out;
}

type Catalogue = typeof catalogue;
export type EventType = keyof Catalogue;
export type EventDataOf<K extends EventType> = t.TypeOf<Catalogue[K]['codec']>;
/** A domain event as deciders see it: a type and its decoded data. */
export type DomainEvent = { [K in EventType]: { type: K; data: EventDataOf<K> } }[EventType];
export type DomainEventOf<K extends EventType> = Extract<DomainEvent, { type: K }>;
export type Category = Catalogue[EventType]['category'];
export const categories: readonly Category[] = ['scan', 'checkpoint', 'finding', 'job', 'sync', 'token', 'policy', 'state', 'statetype', 'session', 'body', 'sla'];
/**
 * The categories sync carries between replicas; every other one (jobs, sync records, tokens, policies, typed states,
 * sessions, body purges and the SLA policy) stays local.
 */
export const replicatedCategories: readonly Category[] = ['scan', 'checkpoint', 'finding'];

export const eventTypes = Object.keys(catalogue) as EventType[];
export const isEventType = (type: string): type is EventType => Object.hasOwn(catalogue, type);
export const currentSchema = (type: EventType): number => catalogue[type].schema;
/**
 * What writers store a type at until a deployment says otherwise (`schema write`): for one release after a type's
 * schema changes, the previous one, so a fleet upgrades every reader before any writer emits the new schema.
 */
const defaultWriteSchemas: Readonly<Record<string, number>> = { FindingTracked: 1 };
export const defaultWriteSchema = (type: EventType): number => defaultWriteSchemas[type] ?? currentSchema(type);
export const categoryOf = (stream: string): string => {
  const dash = stream.indexOf('-');
  return dash < 0 ? stream : stream.slice(0, dash);
};

/**
 * Checks one event's type and data (current schema) and that its stream belongs to the type's category.
 * `where` prefixes the field path, so a batch reports `events[3].data.seenAt`.
 */
export const validateEvent = (
  stream: string,
  type: unknown,
  data: unknown,
  where = '',
): { type: EventType; data: Json } => {
  const at = (field: string) => [where, field].filter(Boolean).join('.');
  if (typeof type !== 'string' || !isEventType(type))
    throw new InvalidInput(at('type'), type, `one of ${eventTypes.join(', ')}`);
  const entry = catalogue[type];
  if (categoryOf(stream) !== entry.category)
    throw new InvalidInput('stream', stream, `a ${entry.category}-<id> stream for ${type}`);
  const result = (entry.codec as t.Mixed).decode(data);
  if (isLeft(result)) throw InvalidInput.from(result.left, at('data'));
  const streams = entityStreams(entry.category, result.right);
  if (streams !== null && !streams.includes(stream))
    throw new InvalidInput(at('stream'), stream, `${streams[0] ?? ''}, the stream of the ${entry.category} its data names`);
  // io-ts strict codecs drop unknown keys: what is stored is exactly what the codec describes.
  return { type, data: result.right as Json };
};

/**
 * Data written at `schema`, as readers see it: upcast to the type's current schema. Data written at a schema newer
 * than this release reads is NewerSchema (what it needs and where it came from), never bad input or corruption.
 */
export const readableData = (type: EventType, schema: number, data: Json, where: string): Json => {
  const current = currentSchema(type);
  if (schema > current) throw new NewerSchema(type, schema, current, where, release);
  const up = upcast(type, schema, current, data);
  if (up.schema !== current) throw new InvalidInput(`${where}.schema`, schema, `a schema of ${type} this release can upcast (1-${current})`);
  return up.data;
};
