import * as t from 'io-ts';
import { InvalidInput } from '../errors.js';
import { decodeOrThrow } from '../events/index.js';
import { NoQuery, WriteSchemaBody } from './inputs.js';
import { decodeBody } from './query.js';
import { defineRoute, json, type Route } from './route.js';

const TypeParam = t.strict({ type: t.string });

/**
 * Event schemas: what readers upcast to and what this store's writers write. Reading them is operational data like
 * /metrics; changing what is written is an admin's, as defining a state type is, and is a store setting, not an event.
 */
export const v1SchemaRoutes: readonly Route[] = [
  defineRoute({
    method: 'GET',
    path: '/v1/schemas',
    access: 'read',
    exact: true,
    query: NoQuery,
    doc: {
      summary: 'Each event type: the schema readers see (current), the one this store writes, the release default, the lowest writable, its upcasters',
      returns: 'EventSchemaList',
    },
    handle: async ({ engine }) => json({ types: await engine.schemas.list() }),
  }),
  defineRoute({
    method: 'PUT',
    path: '/v1/schemas/{type}',
    access: 'admin',
    exact: true,
    query: NoQuery,
    doc: {
      summary: 'Tell every writer of this store to write this event type at write_schema; upgrade every reader (replicas, hubs) first',
      body: 'SetWriteSchema',
      returns: 'EventSchema',
    },
    handle: async (ctx) => {
      const { type } = decodeOrThrow(TypeParam, ctx.params);
      const b = decodeBody(WriteSchemaBody, await ctx.body());
      try {
        return json(await ctx.engine.schemas.setWrite(type, b.write_schema));
      } catch (error) {
        // The store names the number `schema`; the client sent it as write_schema.
        if (error instanceof InvalidInput && error.field === 'schema') throw new InvalidInput('write_schema', error.value, error.expected);
        throw error;
      }
    },
  }),
];
