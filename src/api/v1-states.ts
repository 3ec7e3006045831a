import * as t from 'io-ts';
import { StateManager } from '../engine/index.js';
import { DomainError } from '../errors.js';
import { decodeOrThrow, Id, StateTypeName } from '../events/index.js';
import { NoQuery } from './inputs.js';
import { decodeBody } from './query.js';
import { actorOf, defineRoute, json, type Route, type RouteContext } from './route.js';
import {
  ChangesQuery,
  DefineTypeBody,
  FeedQuery,
  RegisterStateBody,
  RollbackBody,
  SchemaBody,
  StateQuery,
  StatesQuery,
  UpdateStateBody,
} from './state-inputs.js';

const idOf = (ctx: RouteContext) => decodeOrThrow(t.strict({ state_id: Id }), ctx.params).state_id;
const typeOf = (ctx: RouteContext) => decodeOrThrow(t.strict({ type: StateTypeName }), ctx.params).type;
const opt = <T>(v: T | null | undefined): T | undefined => (v === null ? undefined : v);

/**
 * Typed states over HTTP: the routes the CLI's `state` commands have. Words (`changes`, `types`, `health`, `feed`)
 * come before `{state_id}` in the table (a literal beats a parameter; those ids are refused at registration).
 * Writes: register and update need ingest, a rollback decide, types and schemas admin.
 */
export const v1StateRoutes: readonly Route[] = [
  defineRoute({
    method: 'GET',
    path: '/v1/states/changes',
    access: 'read',
    reads: true,
    etag: true,
    exact: true,
    query: ChangesQuery,
    doc: { summary: 'Recent changes across states, newest first (optionally of one transition or state)', returns: 'StateChangeList' },
    handle: async ({ engine }, q) =>
      json({ changes: await engine.states.changes({ transition: q.transition, stateId: q.state_id, limit: q.limit }) }),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/states/feed',
    access: 'read',
    exact: true,
    query: FeedQuery,
    doc: {
      summary: 'Changes after a log position, with their data before and after (what `state watch` streams); waits up to wait_seconds for one',
      returns: 'StateFeed',
    },
    handle: async ({ engine }, q) => {
      const limit = q.limit ?? 100;
      const stop = new AbortController();
      const changes = [];
      let position = q.after_position ?? 0;
      let caughtUp = false;
      // The wait starts counting at once, but without one the backlog is still read whole (caughtUp ends it): a
      // zero-second timer would fire before the first page on a store whose reads take a round trip.
      const wait = q.wait_seconds ?? 0;
      const timer = wait > 0 ? setTimeout(() => stop.abort(), wait * 1000) : undefined;
      try {
        for await (const change of engine.watchStates({
          fromPosition: position,
          signal: stop.signal,
          caughtUp: (p) => {
            caughtUp = true;
            position = Math.max(position, p);
            if (changes.length > 0 || (q.wait_seconds ?? 0) === 0) stop.abort();
          },
        })) {
          changes.push(change);
          position = change.position;
          if (changes.length >= limit || caughtUp) break;
        }
      } finally {
        clearTimeout(timer);
        stop.abort();
      }
      return json({ changes, last_position: position });
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/states/health',
    access: 'read',
    exact: true,
    query: NoQuery,
    doc: { summary: 'Status, state count, projection lag, consumers', returns: 'StateHealth' },
    handle: async ({ engine }) => json(await new StateManager(engine).getHealthStatus()),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/states/types',
    access: 'read',
    reads: true,
    etag: true,
    exact: true,
    query: NoQuery,
    doc: { summary: 'State types: the five built in and the deployment’s own', returns: 'StateTypeList' },
    handle: async ({ engine }) => json({ types: await engine.states.listTypes() }),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/states/types/{type}',
    access: 'read',
    reads: true,
    etag: true,
    exact: true,
    query: NoQuery,
    doc: { summary: 'One state type: its transition table, statuses and JSON Schema', returns: 'StateType', errors: [404] },
    handle: async (ctx) => json(await ctx.engine.states.getType(typeOf(ctx))),
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/states/types/{type}',
    access: 'admin',
    exact: true,
    query: NoQuery,
    doc: { summary: 'Define (or redefine) a deployment’s type by its transition table', returns: 'StateType', body: 'DefineStateType', errors: [409] },
    handle: async (ctx) => {
      const b = decodeBody(DefineTypeBody, await ctx.body());
      return json(await ctx.engine.states.defineType(typeOf(ctx), b.table, actorOf(ctx)));
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/states/types/{type}/schema',
    access: 'admin',
    exact: true,
    query: NoQuery,
    doc: { summary: 'Set (or clear, with null) the JSON Schema a type’s data must satisfy', returns: 'StateType', body: 'SetStateSchema', errors: [404] },
    handle: async (ctx) => {
      const b = decodeBody(SchemaBody, await ctx.body());
      return json(await ctx.engine.states.setSchema(typeOf(ctx), b.schema, actorOf(ctx)));
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/states',
    access: 'read',
    reads: true,
    etag: true,
    exact: true,
    query: StatesQuery,
    repeated: ['where'],
    doc: { summary: 'States by id, a keyset page at a time: of a type, in a status, and whose data meets every where', returns: 'StatePage', errors: [404] },
    handle: async (ctx, q) => {
      const where = ctx.query.getAll('where');
      const page = { status: q.status, after: q.cursor, limit: q.limit ?? 100 };
      const found =
        where.length === 0
          ? await ctx.engine.states.list({ ...page, type: q.type, includeDeleted: q.include_deleted === 'true' })
          : await ctx.engine.states.search({ ...page, type: decodeOrThrow(StateTypeName, q.type, 'type'), where });
      return json({ states: found.states, next_cursor: found.next });
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/states',
    access: 'ingest',
    exact: true,
    query: NoQuery,
    doc: { summary: 'Register a state of a type (in the status its table starts in)', returns: 'StateRecord', body: 'RegisterState', status: 201, errors: [404, 409] },
    handle: async (ctx) => {
      const b = decodeBody(RegisterStateBody, await ctx.body());
      const record = await ctx.engine.states.register(
        { stateId: b.state_id, type: b.type, name: opt(b.name), data: b.data, metadata: opt(b.metadata) },
        { identity: actorOf(ctx) },
      );
      return json(record, 201);
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/states/{state_id}',
    access: 'read',
    reads: true,
    etag: true,
    exact: true,
    query: StateQuery,
    doc: { summary: 'One state (as_of: as it stood at an instant, replayed from its events)', returns: 'StateRecord', errors: [404] },
    handle: async (ctx, q) => {
      const id = idOf(ctx);
      const found = q.as_of === undefined ? await ctx.engine.states.get(id) : await ctx.engine.states.asOf(id, q.as_of);
      if (found === null) throw new DomainError('unknown_state', q.as_of === undefined ? `no state ${id}` : `no state ${id} as of ${q.as_of}`);
      return json(found);
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/states/{state_id}/update',
    access: 'ingest',
    exact: true,
    query: NoQuery,
    doc: { summary: 'Change a state by a transition its type’s table allows (default update); data replaces its data', returns: 'StateRecord', body: 'UpdateState', errors: [404, 409] },
    handle: async (ctx) => {
      const b = decodeBody(UpdateStateBody, await ctx.body());
      return json(await ctx.engine.states.change(idOf(ctx), { transition: opt(b.transition), data: opt(b.data), metadata: opt(b.metadata) }, { identity: actorOf(ctx) }));
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/states/{state_id}/rollback',
    access: 'decide',
    exact: true,
    query: NoQuery,
    doc: { summary: 'Restore the data of an earlier revision by a new event (the status stays)', returns: 'StateRecord', body: 'RollbackState', errors: [404, 409] },
    handle: async (ctx) => {
      const b = decodeBody(RollbackBody, await ctx.body());
      return json(await ctx.engine.states.rollback(idOf(ctx), b.to_revision, { identity: actorOf(ctx) }));
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/states/{state_id}/history',
    access: 'read',
    reads: true,
    etag: true,
    exact: true,
    query: NoQuery,
    doc: { summary: 'Every change of a state, oldest first: when, transition, who, data before and after', returns: 'StateHistory', errors: [404] },
    handle: async (ctx) => {
      const id = idOf(ctx);
      return json({ state_id: id, history: await ctx.engine.states.history(id) });
    },
  }),
];
