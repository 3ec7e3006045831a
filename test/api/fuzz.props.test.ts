import { Agent } from 'node:http';
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { request, startTestServer, writeToken, type HttpResult, type TestServer } from '../support/http.js';
import { makeTempDir, removeDir } from '../support/tmp.js';
import { onBackend } from '../support/engine.js';

const Fuzz = suite(onBackend('api: fuzzed parameters and bodies never get a 500'));
let dir = '';
let t: TestServer;
const agent = new Agent({ keepAlive: true, maxSockets: 4 });
const failures: string[] = [];
Fuzz.before(async () => {
  dir = makeTempDir('api-fuzz');
  // Short min_position waits: a fuzzed position past the head is a quick 503, not a 5 s pause.
  t = await startTestServer(dir, { minPositionWaitMs: 20, log: (level, what, fields) => void (level === 'error' && failures.push(`${what} ${JSON.stringify(fields)}`)) });
  await t.engine.startScan({ scanId: 'scan-1', snapshotId: 'x', accountId: 'acct', region: 'r' });
  await t.engine.trackFindings([
    { findingId: 'f1', assetId: 'a1', ruleId: 'r1', scanId: 'scan-1' },
    { findingId: 'f2', assetId: 'a1', ruleId: 'r2', scanId: 'scan-1' },
  ]);
  await t.engine.updateCheckpoint({ collector: 'iam', accountId: 'acct', region: 'r', scanId: 'scan-1' });
});
Fuzz.after(async () => {
  agent.destroy();
  await t.close();
  removeDir(dir);
});

const words = ['f1', 'f2', 'scan-1', 'iam', 'acct', 'r', 'a1', 'last', 'track', '', 'nope', '..', '%2F', '%00', '%', '%zz', '%E0%A4%A'];
const text = fc.oneof(
  fc.constantFrom(...words),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.integer({ min: -5, max: 20_000 }).map(String),
  fc.constantFrom('2026-01-01', '2026-01-01T00:00:00Z', '2026-13-01', 'new', 'suppressed', 'completed', '1e3', ' 1', '0x10'),
);
/** A path segment: mostly percent-encoded, sometimes raw text that is legal on the wire but odd (`%`, `%zz`). */
const segment = fc.oneof(
  text.map(encodeURIComponent),
  fc.constantFrom('%', '%zz', '%E0%A4%A', '%2F', '..', '.', ''),
);
const templates = [
  '/v1/scans',
  '/v1/scans/last',
  '/v1/scans/{}',
  '/v1/scans/{}/complete',
  '/v1/findings',
  '/v1/findings/track',
  '/v1/findings/{}',
  '/v1/findings/{}/history',
  '/v1/findings/{}/resolve',
  '/v1/findings/{}/suppress',
  '/v1/findings/{}/unsuppress',
  '/v1/findings/{}/false-positive',
  '/v1/findings/{}/notes',
  '/v1/stats',
  '/v1/sla/policy',
  '/v1/schemas',
  '/v1/schemas/{}',
  '/v1/checkpoints',
  '/v1/checkpoints/{}/{}/{}',
  '/api/state/scans',
  '/api/state/scan',
  '/api/state/checkpoints',
  '/api/state/checkpoint',
  '/api/state/findings',
  '/api/state/finding',
  '/api/state/finding-stats',
  '/api/state/stats',
  '/api/state/summary',
  '/api/state/suppress',
  '/api/state/resolve',
  '/api/state/delete-checkpoint',
  '/health',
  '/metrics',
  '/openapi.json',
  '/{}',
];
const path = fc
  .tuple(fc.constantFrom(...templates), fc.array(segment, { minLength: 3, maxLength: 3 }))
  .map(([template, parts]) => parts.reduce((p, part) => p.replace('{}', part), template));
const paramNames = ['severity', 'sla', 'limit', 'cursor', 'status', 'since', 'account', 'region', 'asset', 'lifecycle', 'rule', 'as_of', 'collector', 'min_position', 'days', 'scan_id', 'finding_id', 'asset_id', 'x'];
const query = fc
  .array(fc.tuple(fc.constantFrom(...paramNames), text), { maxLength: 4 })
  .map((pairs) => (pairs.length === 0 ? '' : `?${new URLSearchParams(pairs).toString()}`));

/** Mostly well-formed values with fuzz mixed in, so bodies reach the engine's rules as well as the decoders. */
const valid = {
  id: fc.oneof(fc.constantFrom('f1', 'f2', 'f3', 'scan-1', 'scan-2', 'iam', 'alice'), fc.uuid()),
  instant: fc.constantFrom('2025-01-01T00:00:00Z', '2030-06-01T12:00:00+02:00', '2026-01-01', '2026-01-01T00:00:00.000Z'),
  count: fc.nat({ max: 1000 }),
};
const maybe = <T>(good: fc.Arbitrary<T>) => fc.oneof({ weight: 12, arbitrary: good }, { weight: 1, arbitrary: fc.oneof(text, fc.jsonValue({ maxDepth: 2 })) });
const item = fc.record(
  { finding_id: maybe(valid.id), asset_id: maybe(valid.id), rule_id: maybe(valid.id), scan_id: maybe(fc.constantFrom('scan-1', 'scan-2', null)), collector: maybe(valid.id), severity: maybe(fc.constantFrom('critical', 'low', 'unknown', 'CRITICAL', null)) },
  { requiredKeys: ['finding_id', 'asset_id', 'rule_id'] },
);
const fieldArbs = {
  scan_id: maybe(valid.id),
  snapshot_id: maybe(valid.id),
  account_id: maybe(fc.constantFrom('acct', '', 'other')),
  region: maybe(fc.constantFrom('r', '')),
  collectors: maybe(fc.array(valid.id, { maxLength: 2 })),
  full_scope: maybe(fc.boolean()),
  metadata: maybe(fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 2 })),
  asset_count: maybe(valid.count),
  finding_count: maybe(valid.count),
  error_message: maybe(fc.string({ maxLength: 10 })),
  findings: maybe(fc.array(item, { minLength: 1, maxLength: 4 })),
  finding_id: maybe(valid.id),
  by: maybe(valid.id),
  reason: maybe(fc.string({ maxLength: 10 })),
  until: maybe(valid.instant),
  text: maybe(fc.string({ maxLength: 10 })),
  collector: maybe(valid.id),
  account: maybe(fc.constantFrom('acct', 'x')),
  critical_days: maybe(fc.oneof(fc.integer({ min: -2, max: 4000 }), fc.constant(null), fc.constant(1.5))),
  low_days: maybe(fc.integer({ min: 0, max: 3651 })),
  restart_on_reopen: maybe(fc.boolean()),
  write_schema: maybe(fc.integer({ min: -1, max: 3 })),
};
type Field = keyof typeof fieldArbs;
/** The fields a route reads, and now and then one it does not (v1 refuses it, the original's routes ignore it). */
const bodyFor = (keys: readonly Field[]) =>
  fc
    .tuple(
      fc.record(Object.fromEntries(keys.map((k) => [k, fieldArbs[k]])) as Record<Field, fc.Arbitrary<unknown>>, { requiredKeys: [] }),
      fc.option(fc.constantFrom(...(Object.keys(fieldArbs) as Field[])), { freq: 8 }),
    )
    .chain(([record, extra]) => (extra === null ? fc.constant(record) : fieldArbs[extra].map((v) => ({ ...record, [extra]: v }))));
const routeFields: Readonly<Record<string, readonly Field[]>> = {
  'POST /v1/scans': ['scan_id', 'snapshot_id', 'account_id', 'region', 'collectors', 'full_scope', 'metadata'],
  'POST /v1/scans/{}/complete': ['asset_count', 'finding_count', 'error_message'],
  'POST /v1/findings/track': ['scan_id', 'findings'],
  'POST /v1/findings/{}/resolve': ['by', 'reason'],
  'POST /v1/findings/{}/suppress': ['by', 'reason', 'until'],
  'POST /v1/findings/{}/unsuppress': ['by'],
  'POST /v1/findings/{}/false-positive': ['by', 'reason'],
  'POST /v1/findings/{}/notes': ['by', 'text'],
  'DELETE /v1/checkpoints/{}/{}/{}': [],
  'PUT /v1/sla/policy': ['critical_days', 'low_days', 'restart_on_reopen'],
  'PUT /v1/schemas/{}': ['write_schema'],
  'POST /api/state/suppress': ['finding_id', 'by', 'reason'],
  'POST /api/state/resolve': ['finding_id'],
  'POST /api/state/delete-checkpoint': ['collector', 'account', 'region'],
};
const writeRoutes = Object.keys(routeFields);
const bodyOf = (route: string) =>
  fc.oneof(
    { weight: 8, arbitrary: bodyFor(routeFields[route] ?? []).map((o) => ({ text: JSON.stringify(o), type: 'application/json' })) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => ({ text: JSON.stringify(v), type: 'application/json' })) },
    { weight: 1, arbitrary: fc.string({ maxLength: 40 }).map((s) => ({ text: s, type: 'application/json' })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.string({ maxLength: 40 }), fc.constantFrom('text/plain', 'application/json; charset=utf-16', 'multipart/form-data', ''))
        .map(([s, type]) => ({ text: s, type })),
    },
  );
const method = fc.constantFrom('GET', 'GET', 'GET', 'GET', 'POST', 'DELETE', 'HEAD', 'PUT');
const auth = fc.constantFrom<string | undefined>(writeToken, writeToken, undefined, 'wrong');

const sound = (r: HttpResult, label: string) => {
  // 503 is a min_position timeout; every other refusal is the caller's (4xx), answered with an error JSON.
  assert.ok(r.status < 500 || r.status === 503, `${label} -> ${r.status} ${r.text}`);
  if (r.status >= 400 && label.split(' ')[0] !== 'HEAD') {
    assert.type((r.json as { error?: unknown } | undefined)?.error, 'string', `${label} -> ${r.text}`);
  }
};

Fuzz('any method, path and query string gets a deliberate answer', async () => {
  await fc.assert(
    fc.asyncProperty(method, path, query, auth, async (m, p, q, token) => {
      const r = await request(t.url, m, `${p}${q}`, { agent, ...(token === undefined ? {} : { token }) });
      sound(r, `${m} ${p}${q}`);
    }),
    { numRuns: 600 },
  );
  assert.equal(failures, []);
});

Fuzz('any body on any write route gets a deliberate answer', async () => {
  const ids = fc.oneof({ weight: 4, arbitrary: valid.id.map(encodeURIComponent) }, { weight: 1, arbitrary: segment });
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...writeRoutes).chain((route) => fc.tuple(fc.constant(route), bodyOf(route))),
      fc.array(ids, { minLength: 3, maxLength: 3 }),
      async ([route, b], parts) => {
      const [m = 'POST', template = '/'] = route.split(' ');
      const p = parts.reduce((acc, part) => acc.replace('{}', part), template);
      const headers = b.type === '' ? {} : { 'content-type': b.type };
      const r = await request(t.url, m, p, { agent, token: writeToken, body: b.text, headers });
      sound(r, `${m} ${p} ${b.type} ${b.text}`);
      },
    ),
    { numRuns: 800 },
  );
  assert.equal(failures, []);
});

Fuzz('the log is still sound after the fuzzing', async () => {
  const report = await t.engine.backend.log.verify();
  assert.ok(report.ok, JSON.stringify(report.firstBad));
  const r = await request(t.url, 'GET', '/health');
  assert.is(r.status, 200);
});

Fuzz.run();
