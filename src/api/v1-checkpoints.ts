import * as t from 'io-ts';
import { DomainError } from '../errors.js';
import { decodeOrThrow, Id, ScopeName } from '../events/index.js';
import { CheckpointsQuery, NoQuery } from './inputs.js';
import { actorOf, defineRoute, json, type Route, type RouteContext } from './route.js';

// Account and region are named (a global collector uses a region such as `global`): an empty one is bad input.
const KeyParams = t.strict({ collector: Id, account: ScopeName, region: ScopeName });
const keyOf = (ctx: RouteContext) => decodeOrThrow(KeyParams, ctx.params);
const path = '/v1/checkpoints/{collector}/{account}/{region}';
const missing = (k: t.TypeOf<typeof KeyParams>) =>
  new DomainError('unknown_checkpoint', `no checkpoint for ${k.collector}/${k.account}/${k.region}`);

export const v1CheckpointRoutes: readonly Route[] = [
  defineRoute({
    method: 'GET',
    path: '/v1/checkpoints',
    access: 'read',
    reads: true,
    etag: true,
    exact: true,
    query: CheckpointsQuery,
    doc: { summary: 'Checkpoints by collector, account and region', returns: 'CheckpointList' },
    handle: async ({ engine }, q) =>
      json({ checkpoints: await engine.listCheckpoints({ collector: q.collector, accountId: q.account }) }),
  }),
  defineRoute({
    method: 'GET',
    path,
    access: 'read',
    reads: true,
    etag: true,
    exact: true,
    query: NoQuery,
    doc: { summary: 'One checkpoint', returns: 'CheckpointRecord', errors: [404] },
    handle: async (ctx) => {
      const k = keyOf(ctx);
      const checkpoint = await ctx.engine.getCheckpoint(k.collector, k.account, k.region);
      if (checkpoint === null) throw missing(k);
      return json(checkpoint);
    },
  }),
  defineRoute({
    method: 'DELETE',
    path,
    access: 'ingest',
    exact: true,
    query: NoQuery,
    doc: {
      summary: 'Delete a checkpoint (the next scan starts from scratch)',
      returns: 'CheckpointDeleted',
      errors: [404],
    },
    handle: async (ctx) => {
      const k = keyOf(ctx);
      if (!(await ctx.engine.deleteCheckpoint(k.collector, k.account, k.region, actorOf(ctx)))) throw missing(k);
      return json({ deleted: true, collector_name: k.collector, account_id: k.account, region: k.region });
    },
  }),
];
