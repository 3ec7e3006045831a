import type { Json } from './primitives.js';

/**
 * Old schemas are upcast on read, never rewritten in place: the log keeps every event as it was written (its
 * checksum and signature cover those bytes), and every read path (folds, projections, history, as-of, imports of
 * older peers) sees the type's current schema. A step takes the data of `type` at `from` and returns it at
 * `from + 1`; steps compose, so data written at schema 1 reaches schema 3 through 1→2 and 2→3.
 *
 * A step may also go down (`down`, from `from + 1` to `from`): writers write the schema they are told to (see
 * `setWriteSchema`), and while a fleet still has readers of the older schema, new data goes down to it. `down` throws
 * InvalidInput when the newer data says something the older schema cannot carry: nothing is written then.
 */
export interface SchemaStep {
  readonly type: string;
  readonly from: number;
  readonly up: (data: Json) => Json;
  readonly down?: (data: Json) => Json;
}

const steps = new Map<string, SchemaStep>();
const key = (type: string, from: number) => `${type}@${from}`;

export const registerSchemaStep = (step: SchemaStep): void => {
  if (!Number.isSafeInteger(step.from) || step.from < 1) throw new Error(`schema step of ${step.type} from ${step.from}: schemas start at 1`);
  if (steps.has(key(step.type, step.from))) throw new Error(`schema step ${step.type} ${step.from}→${step.from + 1} is registered twice`);
  steps.set(key(step.type, step.from), step);
};

/** Brings data written at `schema` up to `target`; a missing step stops there (verify reports such an event). */
export const upcast = (type: string, schema: number, target: number, data: Json): { schema: number; data: Json } => {
  let current = data;
  let at = schema;
  while (at < target) {
    const step = steps.get(key(type, at));
    if (step === undefined) break;
    current = step.up(current);
    at += 1;
  }
  return { schema: at, data: current };
};

/** Takes data at `schema` down to `target` (a write for older readers); throws where a step cannot. */
export const downcast = (type: string, schema: number, target: number, data: Json): Json => {
  let current = data;
  for (let at = schema; at > target; at -= 1) {
    const down = steps.get(key(type, at - 1))?.down;
    if (down === undefined) throw new Error(`no way down from ${type} schema ${at} to ${at - 1}`);
    current = down(current);
  }
  return current;
};

/** The lowest schema `type` can be written at from `current`: as far down as steps with `down` reach. */
export const lowestWritable = (type: string, current: number): number => {
  let at = current;
  while (at > 1 && steps.get(key(type, at - 1))?.down !== undefined) at -= 1;
  return at;
};

export const schemaSteps = (): readonly SchemaStep[] => [...steps.values()];
