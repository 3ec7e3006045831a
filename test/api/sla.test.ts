import { Ajv } from 'ajv';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mint } from '../support/access.js';
import { get, listOf, request, startTestServer, write, writeToken, type HttpResult, type TestServer } from '../support/http.js';
import { makeTempDir, removeDir } from '../support/tmp.js';
import { onBackend } from '../support/engine.js';
import { headOf } from '../support/log.js';

const Sla = suite(onBackend('api: severity, SLA filters, SLA policy and event schemas'));
let dir = '';
let t: TestServer;
Sla.before(() => {
  dir = makeTempDir('api-sla');
});
Sla.before.each(async () => {
  t = await startTestServer(dir);
});
Sla.after.each(() => t.close());
Sla.after(() => removeDir(dir));

type Json = Record<string, unknown>;
interface Finding {
  finding_id: string;
  lifecycle: string;
  severity: string;
  first_seen: string;
  sla_due_at: string | null;
  sla_breached: boolean;
}
const day = 86_400_000;
const put = (path: string, body: unknown, token = writeToken) => request(t.url, 'PUT', path, { body, token });
const track = (findings: Json[]) => write(t.url, '/v1/findings/track', { findings });
const item = (id: string, severity?: string) => ({ finding_id: id, asset_id: 'a1', rule_id: `rule-${id}`, ...(severity ? { severity } : {}) });
const ids = (r: HttpResult) => listOf<Finding>(r, 'findings').map((f) => f.finding_id);
const allFindings = async () => listOf<Finding>(await get(t.url, '/v1/findings?limit=1000'), 'findings');
const schemaTwo = async () => assert.is((await put('/v1/schemas/FindingTracked', { write_schema: 2 })).status, 200);

/** Validates answers against the served OpenAPI document's component schemas (OpenAPI 3.0: `nullable`, formats named only). */
const validator = async () => {
  const doc = (await get(t.url, '/openapi.json')).json as { components: Json };
  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
  ajv.addSchema({ $id: 'openapi', components: doc.components });
  const schemas = doc.components.schemas as Record<string, { properties?: Json }>;
  return (name: string, value: unknown) => {
    const valid = ajv.validate({ $ref: `openapi#/components/schemas/${name}` }, value);
    assert.ok(valid, `${name}: ${ajv.errorsText(ajv.errors)} in ${JSON.stringify(value).slice(0, 300)}`);
    // The schemas allow more fields than they name: every field answered must be named, or a client never learns of it.
    const named = Object.keys(schemas[name]?.properties ?? {});
    for (const key of Object.keys(value as Json)) assert.ok(named.includes(key), `${name} does not describe ${key}`);
  };
};

/** The test's own model of a breach: open, a severity with days, and its first sighting at least that long ago. */
const policyDays = (p: Json): Record<string, number> => ({
  critical: p.critical_days as number,
  high: p.high_days as number,
  medium: p.medium_days as number,
  low: p.low_days as number,
});
const breachedByModel = (findings: readonly Finding[], days: Record<string, number>, now: number) =>
  findings
    .filter((f) => ['new', 'recurring', 'reopened'].includes(f.lifecycle) && days[f.severity] !== undefined)
    .filter((f) => Date.parse(f.first_seen) + (days[f.severity] as number) * day <= now)
    .map((f) => f.finding_id)
    .sort();

/**
 * Day 0: a critical, a high, a medium, a low, an informational, one with no severity, a critical later resolved and a
 * critical suppressed; day 5: another critical. Then the clock stands at day 8 (defaults: critical 7 days, high 30).
 */
const seed = async () => {
  await schemaTwo();
  assert.is(
    (await track([item('c1', 'critical'), item('h1', 'high'), item('m1', 'medium'), item('l1', 'low'), item('i1', 'informational'), item('u1'), item('c2', 'critical'), item('s1', 'critical')])).status,
    200,
  );
  assert.is((await write(t.url, '/v1/findings/c2/resolve', { reason: 'fixed' })).status, 200);
  assert.is((await write(t.url, '/v1/findings/s1/suppress', { reason: 'accepted' })).status, 200);
  t.clock.days(5);
  assert.is((await track([item('c3', 'critical')])).status, 200);
  t.clock.days(3);
};

Sla('a severity is refused with 400 naming findings[0].severity while sightings are written at schema 1, nothing written; accepted after PUT /v1/schemas', async () => {
  const head = await headOf(t.engine);
  const refused = await track([item('f1', 'high')]);
  assert.is(refused.status, 400, refused.text);
  assert.is((refused.json as Json).field, 'findings[0].severity');
  assert.is((refused.json as Json).value, 'high');
  const second = await track([item('f0'), item('f1', 'low')]);
  assert.is((second.json as Json).field, 'findings[1].severity', second.text);
  assert.is(await headOf(t.engine), head);
  assert.is((await get(t.url, '/v1/findings/f0')).status, 404);

  const schemas = await get(t.url, '/v1/schemas');
  const row = (schemas.json as { types: Json[] }).types.find((r) => r.type === 'FindingTracked');
  assert.equal(row, { type: 'FindingTracked', current: 2, write: 1, default_write: 1, lowest: 1, upcasters: ['1→2'] });
  const set = await put('/v1/schemas/FindingTracked', { write_schema: 2 });
  assert.equal([set.status, (set.json as Json).write], [200, 2], set.text);
  assert.is(((await t.engine.schemas.list()).find((r) => r.type === 'FindingTracked'))?.write, 2);

  assert.is((await track([item('f1', 'high')])).status, 200);
  const f1 = (await get(t.url, '/v1/findings/f1')).json as Finding;
  assert.equal([f1.severity, f1.sla_due_at, f1.sla_breached], ['high', new Date(Date.UTC(2026, 0, 31)).toISOString(), false]);
  // A later sighting that states none keeps the severity; one that states another changes it.
  await track([item('f1')]);
  assert.is(((await get(t.url, '/v1/findings/f1')).json as Finding).severity, 'high');
  await track([item('f1', 'critical')]);
  assert.is(((await get(t.url, '/v1/findings/f1')).json as Finding).severity, 'critical');
});

Sla('the severity and SLA filters answer what the engine answers, and the records, page and stats match the OpenAPI schemas', async () => {
  await seed();
  const check = await validator();
  for (const severity of ['critical', 'high', 'informational', 'unknown']) {
    const r = await get(t.url, `/v1/findings?severity=${severity}`);
    assert.is(r.status, 200);
    check('FindingPage', r.json);
    assert.equal(r.json, JSON.parse(JSON.stringify(await t.engine.listFindingStates({ severity: severity as 'high', limit: 100 }))), severity);
    assert.ok(listOf<Finding>(r, 'findings').every((f) => f.severity === severity));
  }
  for (const [sla, filter] of [
    ['breached', { kind: 'breached' }],
    ['due-within=7d', { kind: 'due-within', ms: 7 * day }],
    ['due-within=12h', { kind: 'due-within', ms: 12 * 3_600_000 }],
  ] as const) {
    const r = await get(t.url, `/v1/findings?sla=${sla}`);
    assert.equal(r.json, JSON.parse(JSON.stringify(await t.engine.listFindingStates({ sla: filter, limit: 100 }))), sla);
  }
  assert.equal(ids(await get(t.url, '/v1/findings?sla=due-within=7d')), ['c3']);
  assert.equal(ids(await get(t.url, '/v1/findings?severity=high&sla=breached')), []);
  const stats = await get(t.url, '/v1/stats');
  check('FindingStats', stats.json);
  assert.equal(stats.json, JSON.parse(JSON.stringify(await t.engine.getFindingStats())));
  const s = stats.json as { breached: number; by_severity: Record<string, Json> };
  assert.is(s.breached, 1);
  assert.equal(s.by_severity.critical, { total: 4, open: 2, breached: 1 });
  assert.equal(s.by_severity.unknown, { total: 1, open: 1, breached: 0 });
  check('FindingRecord', (await get(t.url, '/v1/findings/c1')).json);
  check('SlaPolicy', (await get(t.url, '/v1/sla/policy')).json);
  check('EventSchemaList', (await get(t.url, '/v1/schemas')).json);
});

Sla('sla=breached is exactly the open findings past their deadline as the clock moves', async () => {
  await seed();
  const days = policyDays((await get(t.url, '/v1/sla/policy')).json as Json);
  // Day 7 minus a minute: nothing is due yet; day 7: c1 (critical, 7 days); later, the rest as their deadlines pass.
  t.clock.ms = Date.UTC(2026, 0, 8) - 60_000;
  for (const at of [0, 60_000, 5 * day, 30 * day, 90 * day, 200 * day]) {
    t.clock.ms = Date.UTC(2026, 0, 8) - 60_000 + at;
    const r = await get(t.url, '/v1/findings?sla=breached&limit=1000');
    const expected = breachedByModel(await allFindings(), days, t.clock.ms);
    assert.equal(ids(r).sort(), expected, new Date(t.clock.ms).toISOString());
    assert.ok(listOf<Finding>(r, 'findings').every((f) => f.sla_breached && f.sla_due_at !== null && Date.parse(f.sla_due_at) <= t.clock.ms));
    assert.is(((await get(t.url, '/v1/stats')).json as Json).breached, expected.length);
  }
  assert.equal(ids(await get(t.url, '/v1/findings?sla=breached&limit=1000')).sort(), ['c1', 'c3', 'h1', 'l1', 'm1']);
});

Sla('a policy PUT changes which findings are breached at once, without rebuilding a read model', async () => {
  await seed();
  assert.equal(ids(await get(t.url, '/v1/findings?sla=breached')), ['c1']);
  const before = await t.engine.projectionStatus();
  const rows = await t.engine.backend.models.rows({ table: 'findings' });
  const set = await put('/v1/sla/policy', { high_days: 5, restart_on_reopen: null });
  assert.is(set.status, 200, set.text);
  assert.equal(set.json, { critical_days: 7, high_days: 5, medium_days: 90, low_days: 120, informational_days: null, restart_on_reopen: false });
  assert.equal((await get(t.url, '/v1/sla/policy')).json, set.json);
  assert.equal(ids(await get(t.url, '/v1/findings?sla=breached')), ['c1', 'h1']);
  assert.equal(breachedByModel(await allFindings(), policyDays(set.json as Json), t.clock.ms), ['c1', 'h1']);
  const h1 = (await get(t.url, '/v1/findings/h1')).json as Finding;
  assert.equal([h1.sla_due_at, h1.sla_breached], [new Date(Date.UTC(2026, 0, 6)).toISOString(), true]);
  const stats = (await get(t.url, '/v1/stats')).json as { breached: number; by_severity: Record<string, Json> };
  assert.equal([stats.breached, stats.by_severity.high?.breached], [2, 1]);
  // Nothing rebuilt: the same projections at the same versions, none set back, the findings rows as they were.
  const after = await t.engine.projectionStatus();
  assert.equal(after.map((p) => [p.name, p.version]), before.map((p) => [p.name, p.version]));
  for (const [i, p] of after.entries()) assert.ok(p.position >= (before[i]?.position ?? 0), p.name);
  assert.equal(await t.engine.backend.models.rows({ table: 'findings' }), rows);
});

Sla('a viewer (and an analyst, and a scanner) may read the policy and the schemas but not change them: 403, nothing written', async () => {
  for (const role of ['viewer', 'analyst', 'scanner'] as const) {
    const token = await mint(t.engine, `${role}-1`, role);
    assert.is((await get(t.url, '/v1/sla/policy', { token })).status, 200);
    assert.is((await get(t.url, '/v1/schemas', { token })).status, 200);
    const head = await headOf(t.engine);
    const policy = await put('/v1/sla/policy', { critical_days: 1 }, token);
    assert.is(policy.status, 403, `${role}: ${policy.text}`);
    assert.is((await put('/v1/schemas/FindingTracked', { write_schema: 2 }, token)).status, 403);
    assert.is((await t.engine.sla.policy()).critical, 7);
    assert.is((await t.engine.schemas.list()).find((r) => r.type === 'FindingTracked')?.write, 1);
    // The refusal itself is audited (an event); nothing else moved.
    assert.ok((await headOf(t.engine)) - head <= 2);
  }
});

Sla('bad bodies and parameters are 400 naming the field and the value, and write nothing', async () => {
  const head = await headOf(t.engine);
  const cases: [string, string, unknown, string, unknown][] = [
    ['PUT', '/v1/sla/policy', { critical_days: 0 }, 'critical_days', 0],
    ['PUT', '/v1/sla/policy', { low_days: 3651 }, 'low_days', 3651],
    ['PUT', '/v1/sla/policy', { high_days: 2.5 }, 'high_days', 2.5],
    ['PUT', '/v1/sla/policy', { medium_days: '30' }, 'medium_days', '30'],
    ['PUT', '/v1/sla/policy', { restart_on_reopen: 'yes' }, 'restart_on_reopen', 'yes'],
    ['PUT', '/v1/sla/policy', { critical: 3 }, 'critical', 3],
    ['PUT', '/v1/sla/policy', [], 'body', []],
    ['PUT', '/v1/schemas/FindingTracked', { write_schema: 3 }, 'write_schema', 3],
    ['PUT', '/v1/schemas/FindingTracked', { write_schema: 0 }, 'write_schema', 0],
    ['PUT', '/v1/schemas/FindingTracked', { schema: 2 }, 'schema', 2],
    ['PUT', '/v1/schemas/NoSuchEvent', { write_schema: 1 }, 'type', 'NoSuchEvent'],
    ['POST', '/v1/findings/track', { findings: [item('f1', 'severe')] }, 'findings[0].severity', 'severe'],
    ['GET', '/v1/findings?severity=urgent', undefined, 'severity', 'urgent'],
    ['GET', '/v1/findings?sla=late', undefined, 'sla', 'late'],
    ['GET', '/v1/findings?sla=due-within=7w', undefined, 'sla', 'due-within=7w'],
    ['GET', '/v1/findings?sla=due-within=0d', undefined, 'sla', 'due-within=0d'],
  ];
  for (const [method, path, body, field, value] of cases) {
    const r = await request(t.url, method, path, { body, token: writeToken });
    const label = `${method} ${path} ${JSON.stringify(body)} -> ${r.status} ${r.text}`;
    assert.is(r.status, 400, label);
    assert.equal([(r.json as Json).field, (r.json as Json).value], [field, value], label);
  }
  assert.is(await headOf(t.engine), head);
  assert.equal((await get(t.url, '/v1/sla/policy')).json, { critical_days: 7, high_days: 30, medium_days: 90, low_days: 120, informational_days: null, restart_on_reopen: false });
  assert.is((await t.engine.schemas.list()).find((r) => r.type === 'FindingTracked')?.write, 1);
});

Sla.run();
