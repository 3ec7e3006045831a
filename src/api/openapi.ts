import { componentSchemas, schemaOf } from './openapi-schemas.js';
import { stateComponentSchemas } from './openapi-state-schemas.js';
import type { Route } from './route.js';

const paramText: Readonly<Record<string, string>> = {
  status: 'only those in this status',
  type: 'only states of this type (required with where)',
  where: 'data.<path><op><value>, op one of = != < <= > >= (repeat the parameter: every condition must hold)',
  include_deleted: 'list deleted states too (true or false)',
  transition: 'only changes by this transition (or rollback)',
  state_id: 'only changes of this state',
  after_position: 'changes after this log position (the last_position of the previous answer)',
  wait_seconds: 'wait up to this long (0-30 s) for a change when there is none yet',
  account: 'only this account',
  sort: 'finding_id (default), last_seen (oldest first) or -last_seen (newest first); the cursor belongs to its sort',
  region: 'only this region',
  since: 'only scans (or audit entries) at or after this instant (ISO-8601 with Z or an offset, or a date)',
  limit: 'page size, 1-10000 (default 100)',
  cursor: 'continue after the previous page: its next_cursor',
  asset: 'only findings on this asset',
  lifecycle: 'only findings in this lifecycle',
  severity: 'only findings of this severity (unknown: no sighting stated one)',
  sla: 'breached (open and past the SLA deadline now) or due-within=<n>d / <n>h (open, not breached, due within that)',
  rule: 'only findings of this rule',
  as_of: 'the finding as it stood at this instant, replayed from its events',
  collector: 'only this collector',
  runs: 'how many next fire times per job, 1-20 (default 3)',
  after: 'the position already seen: answer once the read models are past it',
  wait: 'the longest wait in seconds, 0-60 (default 25)',
  from: 'the first day (YYYY-MM-DD, UTC) of the series',
  to: 'the last day (YYYY-MM-DD, UTC) of the series (default today)',
};

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

const statusText: Readonly<Record<number, string>> = {
  400: 'malformed parameter or body: {error, field, value}',
  401: 'missing, wrong, revoked or expired bearer token',
  403: 'refused: the role does not allow it, the finding or scan is outside the token\'s scopes, writes disabled, or a read from another host without a token',
  404: 'unknown id',
  409: 'illegal transition or a concurrent writer',
  413: 'body over 1 MiB',
  415: 'body not application/json',
  503: 'min_position not reached within 5 s (Retry-After)',
};

const schemaRef = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const minPositionParam = {
  name: 'min_position',
  in: 'query',
  required: false,
  description: 'wait up to 5 s until the read models reflect this log position (503 if not)',
  schema: { type: 'integer', minimum: 0 },
};
const etagHeader = { description: 'the position; send it as If-None-Match for a 304', schema: { type: 'string' } };

const operation = (route: Route) => {
  const doc = route.doc;
  if (doc === undefined) return undefined;
  const pathParams = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    // Ids may hold any printable character: percent-encode `/` and the rest.
    schema: { type: 'string' },
  }));
  const queryParams = Object.entries(route.query?.type.props ?? {}).map(([name, codec]) => ({
    name,
    in: 'query',
    required: false,
    description: paramText[name] ?? name,
    schema: /count|position/.test(codec.name) ? { type: 'integer', minimum: 0 } : schemaOf(codec),
  }));
  const reads = route.reads === true;
  const minPosition = reads ? [minPositionParam] : [];
  const status = doc.status ?? 200;
  const errors = [400, 401, 403, ...(reads ? [503] : []), ...(doc.body === undefined ? [] : [413, 415])];
  const statuses = [...new Set([...errors, ...(doc.errors ?? [])])].sort((a, b) => a - b);
  const body = (name: string) => ({ content: { 'application/json': { schema: schemaRef(name) } } });
  return {
    summary: doc.summary,
    security: [{ bearer: [] }],
    parameters: [...pathParams, ...queryParams, ...minPosition],
    ...(doc.body === undefined ? {} : { requestBody: { required: false, ...body(doc.body) } }),
    responses: {
      [status]: {
        description: doc.summary,
        headers: {
          'X-Stance-Position': { description: 'log position the answer reflects', schema: { type: 'integer' } },
          ...(reads ? { ETag: etagHeader } : {}),
        },
        ...body(doc.returns),
      },
      ...(reads ? { 304: { description: 'unchanged since the If-None-Match position' } } : {}),
      ...Object.fromEntries(statuses.map((s) => [s, errorResponse(statusText[s] ?? String(s))])),
    },
  };
};

/** OpenAPI 3.0 for the v1 routes, built from the route table and its codecs. */
export const openApiDocument = (routes: readonly Route[], version: string) => {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const op = operation(route);
    if (op === undefined) continue;
    (paths[route.path] ??= {})[route.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'stance-state',
      version,
      description:
        'Projection-backed query API over the stance-state event log. Every answer carries X-Stance-Position; ' +
        'reads accept ?min_position for read-your-writes across processes. Writes need a bearer token whose role ' +
        'allows them (viewer: reads; analyst: decisions; scanner: scans, sightings, checkpoints; admin: all).',
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: { ...componentSchemas, ...stateComponentSchemas },
    },
    paths,
  };
};
