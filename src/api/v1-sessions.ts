import { hostname } from 'node:os';
import * as t from 'io-ts';
import { DomainError } from '../errors.js';
import { decodeOrThrow, Id } from '../events/index.js';
import { NoQuery } from './inputs.js';
import { decodeBody } from './query.js';
import { actorOf, defineRoute, json, type Route, type RouteContext } from './route.js';
import {
  CheckpointBody,
  CleanupSessionsBody,
  FenceBody,
  HoldBody,
  KeepLastBody,
  PauseBody,
  ReleaseBody,
  RenewBody,
  SaveSessionBody,
  SessionsQuery,
  VacuumBody,
} from './state-inputs.js';

const idOf = (ctx: RouteContext) => decodeOrThrow(t.strict({ session_id: Id }), ctx.params).session_id;
const opt = <T>(v: T | null | undefined): T | undefined => (v === null ? undefined : v);
/** Session documents may be far bigger than other bodies (64 MiB as JSON, before gzip). */
const documentLimit = 64 * 1024 * 1024;
const ownerOf = (ctx: RouteContext, given: string | null | undefined) => given ?? `${actorOf(ctx).name}@${hostname()}`;

/**
 * Sessions over HTTP: the routes the CLI's `session` commands have (and `store vacuum`). Words (`stats`, `recover`,
 * `cleanup`, `vacuum`, `checkpoints`) come before `{session_id}`; those ids are refused at the first save.
 * Writes to a session (save, checkpoints, pause, resume, holds) need ingest; recovery, cleanup and vacuum admin.
 */
export const v1SessionRoutes: readonly Route[] = [
  defineRoute({
    method: 'GET',
    path: '/v1/sessions/stats',
    access: 'read',
    exact: true,
    query: NoQuery,
    doc: { summary: 'Sessions, checkpoints, bytes as JSON and as stored, the blob store and the storage', returns: 'StorageStats' },
    handle: async ({ engine }) => json(await engine.sessions.stats()),
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/sessions/recover',
    access: 'admin',
    exact: true,
    query: NoQuery,
    doc: { summary: 'Recover sessions whose holder’s lease ran out: latest checkpoint, paused, old holder fenced', returns: 'SessionList' },
    handle: async (ctx) => json({ sessions: await ctx.engine.sessions.recover(actorOf(ctx)) }),
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/sessions/cleanup',
    access: 'admin',
    exact: true,
    query: NoQuery,
    doc: { summary: 'Delete sessions untouched for some days (keeping the newest keep_last and any held); purge their bodies', returns: 'SessionCleanup', body: 'CleanupSessions' },
    handle: async (ctx) => {
      const b = decodeBody(CleanupSessionsBody, await ctx.body());
      return json(await ctx.engine.sessions.cleanupOld({ olderThanDays: b.older_than_days, keepLast: opt(b.keep_last), identity: actorOf(ctx) }));
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/sessions/vacuum',
    access: 'admin',
    exact: true,
    query: NoQuery,
    doc: { summary: 'Purge bodies nothing names (older than grace_minutes, default 15) and give free space back (store vacuum)', returns: 'VacuumReport', body: 'Vacuum' },
    handle: async (ctx) => {
      const b = decodeBody(VacuumBody, await ctx.body());
      return json(await ctx.engine.sessions.vacuum({ graceMs: b.grace_minutes === null || b.grace_minutes === undefined ? undefined : b.grace_minutes * 60_000, identity: actorOf(ctx) }));
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/sessions/checkpoints/{checkpoint_id}/restore',
    access: 'ingest',
    exact: true,
    query: NoQuery,
    doc: { summary: 'Make a checkpoint’s document its session’s current one (recorded as an event)', returns: 'RestoredCheckpoint', body: 'Fence', errors: [404, 409] },
    handle: async (ctx) => {
      const b = decodeBody(FenceBody, await ctx.body());
      const id = decodeOrThrow(t.strict({ checkpoint_id: Id }), ctx.params).checkpoint_id;
      return json(await ctx.engine.sessions.restoreCheckpoint(id, { fence: opt(b.fence), identity: actorOf(ctx) }));
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/sessions',
    access: 'read',
    reads: true,
    etag: true,
    exact: true,
    query: SessionsQuery,
    doc: { summary: 'Sessions, most recently changed first', returns: 'SessionList' },
    handle: async ({ engine }, q) => json({ sessions: await engine.sessions.list({ status: q.status }) }),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/sessions/{session_id}',
    access: 'read',
    reads: true,
    etag: true,
    exact: true,
    query: NoQuery,
    doc: { summary: 'One session: status, holder, fence, checkpoints, sizes', returns: 'SessionRecord', errors: [404] },
    handle: async (ctx) => {
      const id = idOf(ctx);
      const found = await ctx.engine.sessions.get(id);
      if (found === null) throw new DomainError('unknown_session', `no session ${id}`);
      return json(found);
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/sessions/{session_id}/document',
    access: 'read',
    exact: true,
    query: NoQuery,
    doc: { summary: 'A session’s current document, whole (load)', returns: 'SessionDocument', errors: [404] },
    handle: async (ctx) => {
      const id = idOf(ctx);
      const loaded = await ctx.engine.sessions.load(id);
      if (loaded === null) throw new DomainError('unknown_session', `no session ${id}`);
      return json(loaded);
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/sessions/{session_id}',
    access: 'ingest',
    bodyLimit: documentLimit,
    exact: true,
    query: NoQuery,
    doc: { summary: 'Save a session’s whole document (fence: the holder’s number while held)', returns: 'SessionRecord', body: 'SaveSession', errors: [409] },
    handle: async (ctx) => {
      const b = decodeBody(SaveSessionBody, await ctx.body());
      return json(await ctx.engine.sessions.save(idOf(ctx), b.document, { fence: opt(b.fence), identity: actorOf(ctx) }));
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/sessions/{session_id}/checkpoints',
    access: 'read',
    reads: true,
    etag: true,
    exact: true,
    query: NoQuery,
    doc: { summary: 'A session’s checkpoints, newest first', returns: 'SessionCheckpointList' },
    handle: async (ctx) => json({ checkpoints: await ctx.engine.sessions.listCheckpoints(idOf(ctx)) }),
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/sessions/{session_id}/checkpoints',
    access: 'ingest',
    bodyLimit: documentLimit,
    exact: true,
    query: NoQuery,
    doc: { summary: 'Checkpoint a document', returns: 'SessionCheckpoint', body: 'CreateCheckpoint', status: 201, errors: [404, 409] },
    handle: async (ctx) => {
      const b = decodeBody(CheckpointBody, await ctx.body());
      return json(await ctx.engine.sessions.createCheckpoint(idOf(ctx), b.document, { branch: opt(b.branch), fence: opt(b.fence), identity: actorOf(ctx) }), 201);
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/sessions/{session_id}/checkpoints/cleanup',
    access: 'ingest',
    exact: true,
    query: NoQuery,
    doc: { summary: 'Keep the newest keep_last checkpoints; purge bodies nothing else names', returns: 'CheckpointCleanup', body: 'KeepLast', errors: [404] },
    handle: async (ctx) => {
      const b = decodeBody(KeepLastBody, await ctx.body());
      return json(await ctx.engine.sessions.cleanupCheckpoints(idOf(ctx), b.keep_last, actorOf(ctx)));
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/sessions/{session_id}/pause',
    access: 'ingest',
    bodyLimit: documentLimit,
    exact: true,
    query: NoQuery,
    doc: { summary: 'Pause: checkpoint the current document (or the one given, saved first), paused, hold released', returns: 'SessionRecord', body: 'PauseSession', errors: [404, 409] },
    handle: async (ctx) => {
      const b = decodeBody(PauseBody, await ctx.body());
      return json(await ctx.engine.sessions.pause(idOf(ctx), { fence: opt(b.fence), identity: actorOf(ctx), ...(b.document === null || b.document === undefined ? {} : { document: b.document }) }));
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/sessions/{session_id}/resume',
    access: 'ingest',
    exact: true,
    query: NoQuery,
    doc: { summary: 'Resume a paused session from its latest checkpoint, held by the caller: the fence its writes carry', returns: 'ResumedSession', body: 'Hold', errors: [404, 409] },
    handle: async (ctx) => {
      const b = decodeBody(HoldBody, await ctx.body());
      return json(await ctx.engine.sessions.resume(idOf(ctx), { owner: ownerOf(ctx, b.owner), leaseMs: b.lease_seconds === null || b.lease_seconds === undefined ? undefined : b.lease_seconds * 1000, identity: actorOf(ctx) }));
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/sessions/{session_id}/claim',
    access: 'ingest',
    exact: true,
    query: NoQuery,
    doc: { summary: 'Hold a session under a lease: the fence the holder’s writes carry', returns: 'HeldSession', body: 'Hold', errors: [404, 409] },
    handle: async (ctx) => {
      const b = decodeBody(HoldBody, await ctx.body());
      return json(await ctx.engine.sessions.claim(idOf(ctx), { owner: ownerOf(ctx, b.owner), leaseMs: b.lease_seconds === null || b.lease_seconds === undefined ? undefined : b.lease_seconds * 1000, identity: actorOf(ctx) }));
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/sessions/{session_id}/renew',
    access: 'ingest',
    exact: true,
    query: NoQuery,
    doc: { summary: 'Extend the holder’s lease', returns: 'HeldSession', body: 'Renew', errors: [404, 409] },
    handle: async (ctx) => {
      const b = decodeBody(RenewBody, await ctx.body());
      return json(await ctx.engine.sessions.renew(idOf(ctx), b.fence, { leaseMs: b.lease_seconds === null || b.lease_seconds === undefined ? undefined : b.lease_seconds * 1000, identity: actorOf(ctx) }));
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/sessions/{session_id}/release',
    access: 'ingest',
    exact: true,
    query: NoQuery,
    doc: { summary: 'Let go of a hold', returns: 'SessionRecord', body: 'Release', errors: [404, 409] },
    handle: async (ctx) => {
      const b = decodeBody(ReleaseBody, await ctx.body());
      return json(await ctx.engine.sessions.release(idOf(ctx), b.fence, actorOf(ctx)));
    },
  }),
];
