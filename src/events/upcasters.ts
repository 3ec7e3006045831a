import type { Json } from './primitives.js';

/**
 * Old schemas are upcast on read, never rewritten in place. An upcaster takes the data of `type` at `fromSchema`
 * and returns it at `fromSchema + 1`. Schema 1 is current for every v1 type, so the table starts empty; a change
 * of shape adds schema 2 to the catalogue and one entry here.
 */
export type Upcaster = (data: Json) => Json;
const upcasters = new Map<string, Upcaster>();
const key = (type: string, fromSchema: number) => `${type}@${fromSchema}`;

export const registerUpcaster = (type: string, fromSchema: number, up: Upcaster): void => {
  upcasters.set(key(type, fromSchema), up);
};

/** Brings data written at `schema` up to `target`; unknown steps leave it as it is (verify reports those). */
export const upcast = (type: string, schema: number, target: number, data: Json): { schema: number; data: Json } => {
  let current = data;
  let at = schema;
  while (at < target) {
    const up = upcasters.get(key(type, at));
    if (up === undefined) break;
    current = up(current);
    at += 1;
  }
  return { schema: at, data: current };
};

export const hasUpcasters = (): boolean => upcasters.size > 0;
