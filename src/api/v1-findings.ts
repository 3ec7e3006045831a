import * as t from 'io-ts';
import type { Identity } from '../domain/index.js';
import type { StateEngine } from '../engine/index.js';
import { DomainError, InvalidInput } from '../errors.js';
import { decodeOrThrow, Id } from '../events/index.js';
import {
  ByBody,
  DailyQuery,
  FalsePositiveBody,
  FindingQuery,
  FindingsQuery,
  given,
  NoQuery,
  NoteBody,
  ResolveBody,
  SuppressBody,
  TrackBody,
  TrackItem,
} from './inputs.js';
import { decodeBody } from './query.js';
import { actorOf, defineRoute, json, type Route, type RouteContext } from './route.js';

const FindingIdParam = t.strict({ finding_id: Id });
const findingIdOf = (ctx: RouteContext): string => decodeOrThrow(FindingIdParam, ctx.params).finding_id;
const defaultLimit = 100;

/**
 * The engine names a batch's items `records[i]`; the client sent them as `findings[i]`, so a refusal the engine
 * makes (a severity while sightings are written at schema 1) names the field as the body has it.
 */
const asBodyFields = async <T>(write: () => Promise<T>): Promise<T> => {
  try {
    return await write();
  } catch (error) {
    if (error instanceof InvalidInput && error.field.startsWith('records['))
      throw new InvalidInput(`findings${error.field.slice('records'.length)}`, error.value, error.expected);
    throw error;
  }
};

/** A decision on one finding: POST /v1/findings/{finding_id}/<verb>, answered with the finding after it. */
const decision = (
  verb: string,
  summary: string,
  bodyName: string,
  decide: (engine: StateEngine, findingId: string, body: unknown, identity: Identity) => Promise<unknown>,
): Route =>
  defineRoute({
    method: 'POST',
    path: `/v1/findings/{finding_id}/${verb}`,
    access: 'decide',
    exact: true,
    query: NoQuery,
    doc: { summary, body: bodyName, returns: 'FindingRecord', errors: [404, 409] },
    handle: async (ctx) => {
      const id = findingIdOf(ctx);
      return json(await decide(ctx.engine, id, await ctx.body(), actorOf(ctx)));
    },
  });

export const v1FindingRoutes: readonly Route[] = [
  defineRoute({
    method: 'GET',
    path: '/v1/findings',
    access: 'read',
    reads: true,
    // Records carry sla_breached, which turns as the clock passes a deadline: not a function of the position alone.
    etag: false,
    exact: true,
    query: FindingsQuery,
    doc: {
      summary: 'Finding states by id (or by last seen), one page at a time; by severity, and by SLA (breached or due within a time)',
      returns: 'FindingPage',
    },
    handle: async ({ engine }, q) =>
      json(
        await engine.listFindingStates({
          assetId: q.asset,
          lifecycle: q.lifecycle,
          ruleId: q.rule,
          accountId: q.account,
          region: q.region,
          severity: q.severity,
          sla: q.sla,
          sort: q.sort,
          limit: q.limit ?? defaultLimit,
          cursor: q.cursor,
        }),
      ),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/findings/{finding_id}',
    access: 'read',
    reads: true,
    etag: false, // sla_breached turns with the clock
    exact: true,
    query: FindingQuery,
    doc: {
      summary: 'One finding; with as_of, as it stood then (replayed from its events)',
      returns: 'FindingRecord',
      errors: [404],
    },
    handle: async (ctx, q) => {
      const id = findingIdOf(ctx);
      const { engine } = ctx;
      const record = await (q.as_of === undefined ? engine.getFindingState(id) : engine.getFindingAsOf(id, q.as_of));
      const when = q.as_of === undefined ? '' : ` as of ${q.as_of}`;
      if (record === null) throw new DomainError('unknown_finding', `finding ${id} is not tracked${when}`);
      return json(record);
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/findings/{finding_id}/history',
    access: 'read',
    reads: true,
    etag: true,
    exact: true,
    query: NoQuery,
    doc: {
      summary: 'Every event of a finding, oldest first: who, why, and the lifecycle it left',
      returns: 'FindingHistory',
      errors: [404],
    },
    handle: async (ctx) => {
      const id = findingIdOf(ctx);
      const history = await ctx.engine.getFindingHistory(id);
      if (history.length === 0) throw new DomainError('unknown_finding', `finding ${id} is not tracked`);
      return json({ finding_id: id, history });
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/stats',
    access: 'read',
    reads: true,
    etag: false, // breached counts turn with the clock
    exact: true,
    query: NoQuery,
    doc: {
      summary: 'Finding counts by lifecycle (uncapped), totals, mean time to resolve, SLA breaches; per severity: total, open, breached',
      returns: 'FindingStats',
    },
    handle: async ({ engine }) => json(await engine.getFindingStats()),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/stats/daily',
    access: 'read',
    reads: true,
    // Without both ends the window ends today: the answer then depends on the clock, not only on the position.
    etag: (q) => q.has('from') && q.has('to'),
    exact: true,
    query: DailyQuery,
    doc: {
      summary:
        'Per UTC day from `from` to `to` (default: the 30 days to today; at most 1000): findings first seen, findings resolved, and the open count (new, recurring, reopened) at the end of the day, from the finding_days read model',
      returns: 'DailySeries',
    },
    handle: async ({ engine }, q) => json(await engine.getDailySeries({ from: q.from, to: q.to })),
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/findings/track',
    access: 'ingest',
    exact: true,
    query: NoQuery,
    doc: {
      summary: 'Record sightings of findings in one atomic batch',
      body: 'TrackFindings',
      returns: 'TrackSummary',
      errors: [404, 409],
    },
    handle: async (ctx) => {
      const b = decodeBody(TrackBody, await ctx.body());
      const records = b.findings.map((item, i) => {
        const f = decodeBody(TrackItem, item, `findings[${i}]`);
        return {
          findingId: f.finding_id,
          assetId: f.asset_id,
          ruleId: f.rule_id,
          scanId: given(f.scan_id),
          collector: given(f.collector),
          severity: given(f.severity),
        };
      });
      return json(await asBodyFields(() => ctx.engine.trackFindings(records, { scanId: given(b.scan_id) }, actorOf(ctx))));
    },
  }),
  // `by`: for an admin or service identity, the person it acts for; a person may only name itself.
  decision('resolve', 'Mark a finding resolved', 'Resolve', (engine, id, body, identity) => {
    const b = decodeBody(ResolveBody, body);
    return engine.resolveFinding(id, { by: given(b.by), reason: given(b.reason) }, identity);
  }),
  decision(
    'suppress',
    'Accept the risk of a finding: suppressed (kept when seen again) until `until`; a reason is required',
    'Suppress',
    (engine, id, body, identity) => {
      const b = decodeBody(SuppressBody, body);
      return engine.suppressFinding(id, { by: given(b.by), reason: given(b.reason), until: given(b.until) }, identity);
    },
  ),
  decision('unsuppress', 'Lift a suppression', 'By', (engine, id, body, identity) =>
    engine.unsuppressFinding(id, given(decodeBody(ByBody, body).by), identity),
  ),
  decision('false-positive', 'Mark a false positive (kept when seen again)', 'FalsePositive', (engine, id, body, identity) => {
    const b = decodeBody(FalsePositiveBody, body);
    return engine.markFalsePositive(id, { by: given(b.by), reason: given(b.reason) }, identity);
  }),
  decision('notes', 'Add a note to a finding', 'Note', (engine, id, body, identity) => {
    const b = decodeBody(NoteBody, body);
    return engine.addFindingNote(id, { by: given(b.by), text: b.text }, identity);
  }),
];
