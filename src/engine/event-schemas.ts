import { currentSchema, defaultWriteSchema, eventTypes, lowestWritable, schemaSteps } from '../events/index.js';
import type { Core } from './core.js';

export interface EventSchemaRow {
  readonly type: string;
  /** The schema readers see (older ones are upcast to it). */
  readonly current: number;
  /** The schema this store's writers store it at now. */
  readonly write: number;
  /** What writers store it at unless told otherwise (this release's default). */
  readonly default_write: number;
  /** The lowest it can be written at (as far down as its steps go). */
  readonly lowest: number;
  /** Upcasters registered for it: `1→2`, … */
  readonly upcasters: readonly string[];
}

/** Every event type's schemas: current, written, writable; and the upcasters that bring old ones up. */
export const eventSchemas = async (core: Core): Promise<EventSchemaRow[]> => {
  const stored = await core.backend.log.writeSchemas();
  const steps = schemaSteps();
  return eventTypes.map((type) => ({
    type,
    current: currentSchema(type),
    write: stored.get(type) ?? defaultWriteSchema(type),
    default_write: defaultWriteSchema(type),
    lowest: lowestWritable(type, currentSchema(type)),
    upcasters: steps.filter((s) => s.type === type).sort((a, b) => a.from - b.from).map((s) => `${s.from}→${s.from + 1}`),
  }));
};

/** Tells every writer of this store to store `type` at `schema`; readers of the older schema must be gone first. */
export const setWriteSchema = async (core: Core, type: string, schema: number): Promise<EventSchemaRow> => {
  await core.backend.log.setWriteSchema(type, schema);
  return (await eventSchemas(core)).find((r) => r.type === type) as EventSchemaRow;
};
