import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isOneLineError, runCli } from '../support/cli.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

/** Severity, the SLA policy and the write schema through the real binary: the commands, their JSON, bad input. */
const Sla = suite('cli: severity, sla policy and schema (the real binary)');
let dir = '';
let data = '';
let n = 0;
Sla.before(() => {
  dir = makeTempDir('cli-sla');
});
Sla.before.each(() => {
  n += 1;
  data = join(dir, `data-${n}`);
});
Sla.after(() => removeDir(dir));

const cli = async (...args: string[]) => {
  const run = await runCli(['--data', data, ...args]);
  return { ...run, json: <T = Record<string, unknown>>() => JSON.parse(run.stdout) as T };
};
const refused = async (pattern: RegExp, ...args: string[]) => {
  const run = await cli(...args);
  assert.is(run.code, 2, `${args.join(' ')}: ${run.stdout}${run.stderr}`);
  assert.match(run.stderr, pattern);
  assert.ok(isOneLineError(run), run.stderr);
};

Sla('sla policy: the defaults, a change recorded with who made it (in the audit), the same JSON from show and set', async () => {
  const defaults = { critical_days: 7, high_days: 30, medium_days: 90, low_days: 120, informational_days: null, restart_on_reopen: false };
  assert.equal((await cli('--json', 'sla', 'policy', 'show')).json(), defaults);
  assert.match((await cli('sla', 'policy', 'show')).stdout, /^critical {7}7 days\nhigh {11}30 days\n/);
  const set = await cli('sla', 'policy', 'set', '--critical', '3', '--restart-on-reopen', '--json', '--as', 'alice');
  assert.is(set.code, 0, set.stderr);
  assert.equal(set.json(), { ...defaults, critical_days: 3, restart_on_reopen: true });
  assert.equal((await cli('sla', 'policy', 'show', '--json')).json(), { ...defaults, critical_days: 3, restart_on_reopen: true });
  assert.equal((await cli('--json', 'sla', 'policy', 'set', '--no-restart-on-reopen')).json(), { ...defaults, critical_days: 3 });
  const audit = (await cli('--json', 'audit')).json<{ event: string; actor: string; detail: string }[]>();
  assert.equal(audit.map((e) => [e.event, e.actor, e.detail]), [
    ['sla_policy_set', 'alice', 'critical 3, high 30, medium 90, low 120 days; restarts on reopen'],
    ['sla_policy_set', audit[1]?.actor ?? '', 'critical 3, high 30, medium 90, low 120 days; runs from the first sighting'],
  ]);
  await refused(/^stance-state: invalid high: "0" \(expected whole days \(1-3650\)\)/, 'sla', 'policy', 'set', '--high', '0');
  await refused(/invalid low: "ninety"/, 'sla', 'policy', 'set', '--low', 'ninety');
  assert.equal((await cli('--json', 'sla', 'policy', 'show')).json(), { ...defaults, critical_days: 3 });
});

Sla('schema show and write; a severity needs schema 2; list filters by severity and SLA; bad values exit 2 naming them', async () => {
  const shown = (await cli('--json', 'schema', 'show')).json<{ type: string; current: number; write: number; upcasters: string[] }[]>();
  assert.equal(shown.map((r) => [r.type, r.current, r.write, r.upcasters]), [['FindingTracked', 2, 1, ['1→2']]]);
  assert.ok((await cli('--json', 'schema', 'show', '--all')).json<unknown[]>().length > 20);
  await refused(/invalid severity: "high" \(expected none while this store writes sightings \(FindingTracked\) at schema 1/, 'finding', 'track', 'f1', '--asset', 'a', '--rule', 'r', '--severity', 'high');
  assert.equal((await cli('--json', 'log', 'stats')).json<{ events: number }>().events, 0);
  await refused(/invalid schema: 3 \(expected 1-2 for FindingTracked\)/, 'schema', 'write', 'FindingTracked', '3');
  await refused(/invalid type: "Nope"/, 'schema', 'write', 'Nope', '1');
  assert.match((await cli('schema', 'write', 'FindingTracked', '2')).stdout, /^FindingTracked is written at schema 2/);
  await refused(/invalid severity: "urgent" \(expected Severity\)/, 'finding', 'track', 'f1', '--asset', 'a', '--rule', 'r', '--severity', 'urgent');
  for (const [id, severity] of [['c1', 'critical'], ['h1', 'high'], ['i1', 'informational']] as const)
    assert.is((await cli('finding', 'track', id, '--asset', 'a', '--rule', 'r', '--severity', severity)).code, 0);
  assert.is((await cli('finding', 'track', 'u1', '--asset', 'a', '--rule', 'r')).code, 0);
  const ids = async (...args: string[]) => (await cli('--json', 'finding', 'list', ...args)).json<{ findings: { finding_id: string }[] }>().findings.map((f) => f.finding_id);
  assert.equal(await ids('--severity', 'critical'), ['c1']);
  assert.equal(await ids('--severity', 'unknown'), ['u1']);
  assert.equal(await ids('--sla', 'breached'), []);
  assert.equal(await ids('--sla', 'due-within=8d'), ['c1']);
  assert.equal(await ids('--sla', 'due-within=31d'), ['c1', 'h1']);
  const table = (await cli('finding', 'list')).stdout;
  assert.match(table, /^FINDING +LIFECYCLE +SEVERITY +SLA DUE/);
  assert.match(table, /\nc1 +new +critical +\d{4}-\d\d-\d\dT/);
  await refused(/invalid sla: "soon" \(expected breached or due-within=<n>d \(or <n>h\), n 1-3650 days\)/, 'finding', 'list', '--sla', 'soon');
  await refused(/invalid severity: "urgent"/, 'finding', 'list', '--severity', 'urgent');
  const stats = (await cli('--json', 'stats')).json<{ breached: number; by_severity: Record<string, { total: number; open: number; breached: number }> }>();
  assert.equal([stats.breached, stats.by_severity.critical, stats.by_severity.unknown], [0, { total: 1, open: 1, breached: 0 }, { total: 1, open: 1, breached: 0 }]);
  assert.match((await cli('stats')).stdout, /\nSEVERITY +TOTAL +OPEN +BREACHED\ncritical +1 +1 +0\n/);
  // The audit trail shows the severity after each event: a later sighting of c1 at low.
  assert.is((await cli('finding', 'track', 'c1', '--asset', 'a', '--rule', 'r', '--severity', 'low')).code, 0);
  const history = (await cli('finding', 'history', 'c1')).stdout;
  assert.match(history, /^RECORDED AT +EVENT +LIFECYCLE +SEVERITY +ACTOR/);
  assert.match(history, /\n\S+ +FindingTracked +new +critical +.*\n\S+ +FindingTracked +recurring +low +/);
});

Sla.run();
