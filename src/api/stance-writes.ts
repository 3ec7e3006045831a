import * as t from 'io-ts';
import { DomainError, InvalidInput } from '../errors.js';
import { decodeOrThrow, Id, ScopeName, Text } from '../events/index.js';
import { HttpError } from './errors.js';
import { optional } from '../events/index.js';
import { actorOf, defineRoute, json, type Route, type RouteContext } from './route.js';

/*
 * The original's POST /api/state/{suppress,resolve,delete-checkpoint}: same body fields and answer keys, under the
 * write-token rule of every write here. Unknown body fields are ignored, as its handlers ignored them.
 */

/** The original read bodies as `json.loads(body) if body else {}` and then `data.get(...)`: an object is needed. */
const objectBody = async (ctx: RouteContext): Promise<Record<string, unknown>> => {
  const body = await ctx.body();
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new InvalidInput('body', body, 'a JSON object');
  return body as Record<string, unknown>;
};

/** Missing, null and "" all mean "not given", as the original's `if not finding_id` treated them. */
const present = (body: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> =>
  Object.fromEntries(
    fields.flatMap((f) => (body[f] === undefined || body[f] === null || body[f] === '' ? [] : [[f, body[f]]])),
  );

const required = <T>(value: T | undefined, field: string): T => {
  if (value === undefined) throw new InvalidInput(field, undefined, `${field} (required)`);
  return value;
};

const notFound = (findingId: string) => (error: unknown) => {
  if (error instanceof DomainError && error.code === 'unknown_finding')
    throw new HttpError(404, `Finding not found: ${findingId}`);
  throw error;
};

const post = (
  name: string,
  access: 'ingest' | 'decide',
  handle: (ctx: RouteContext) => Promise<ReturnType<typeof json>>,
): Route => defineRoute({ method: 'POST', path: `/api/state/${name}`, access, exact: false, query: none, handle });

const none = t.strict({});
const SuppressFields = t.strict({ finding_id: optional(Id), by: optional(Id), reason: optional(Text) });
const ResolveFields = t.strict({ finding_id: optional(Id) });
const CheckpointFields = t.strict({ collector: optional(Id), account: optional(ScopeName), region: optional(ScopeName) });

export const stanceWriteRoutes: readonly Route[] = [
  // `by` (the original defaulted it to "api") is now the person an admin or service identity acts for; without
  // one, the identity itself is who suppressed. `reason` is required: a suppression is a risk acceptance.
  post('suppress', 'decide', async (ctx) => {
    const b = decodeOrThrow(SuppressFields, present(await objectBody(ctx), ['finding_id', 'by', 'reason']));
    const id = required(b.finding_id, 'finding_id');
    const reason = b.reason ?? '';
    const state = await ctx.engine.suppressFinding(id, { by: b.by, reason }, actorOf(ctx)).catch(notFound(id));
    return json({ suppressed: true, finding_id: id, suppressed_by: state.suppressed_by, reason, lifecycle: state.lifecycle });
  }),
  post('resolve', 'decide', async (ctx) => {
    const b = decodeOrThrow(ResolveFields, present(await objectBody(ctx), ['finding_id']));
    const id = required(b.finding_id, 'finding_id');
    const state = await ctx.engine.resolveFinding(id, {}, actorOf(ctx)).catch(notFound(id));
    return json({ resolved: true, finding_id: id, lifecycle: state.lifecycle, resolved_at: state.resolved_at });
  }),
  post('delete-checkpoint', 'ingest', async (ctx) => {
    const b = decodeOrThrow(CheckpointFields, present(await objectBody(ctx), ['collector', 'account', 'region']));
    const collector = required(b.collector, 'collector');
    const account = required(b.account, 'account');
    const region = required(b.region, 'region');
    // Not found is `deleted: false` with 200, as the original answered.
    const deleted = await ctx.engine.deleteCheckpoint(collector, account, region, actorOf(ctx));
    return json({ deleted, collector, account, region });
  }),
];
