import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { release } from '../../src/release.js';
import { runCli } from '../support/cli.js';
import { freshSchema, type TestSchema } from '../support/postgres.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

/**
 * A data dir written by release 0.1.0 (test/fixtures/release-0.1.0, before severities existed) opened by this
 * release through the real binary: it reads (old sightings upcast to severity unknown), verifies, takes the new
 * schema once told to, and moves to PostgreSQL by `log migrate` with every state the same.
 */
const Fixture = suite('cli: a data dir written by release 0.1.0');
let dir = '';
const schemas: TestSchema[] = [];
Fixture.before.each(() => {
  dir = makeTempDir('release-fixture');
  mkdirSync(join(dir, 'data'));
  copyFileSync(new URL('../fixtures/release-0.1.0/stance.db', import.meta.url), join(dir, 'data', 'stance.db'));
});
Fixture.after.each(async () => {
  for (const s of schemas.splice(0)) await s.drop();
  removeDir(dir);
});

const cli = async (...args: string[]) => {
  const run = await runCli(['--data', join(dir, 'data'), '--json', ...args]);
  assert.is(run.code, 0, `${args.join(' ')}: ${run.stderr}`);
  return JSON.parse(run.stdout) as unknown;
};
type Finding = { finding_id: string; lifecycle: string; severity: string; sla_due_at: string | null; notes: string[] };
const findings = async (...store: string[]) => ((await cliAt(store, 'finding', 'list')) as { findings: Finding[] }).findings;
const cliAt = async (store: string[], ...args: string[]) => {
  const run = await runCli([...(store.length > 0 ? store : ['--data', join(dir, 'data')]), '--json', ...args]);
  assert.is(run.code, 0, `${args.join(' ')}: ${run.stderr}`);
  return JSON.parse(run.stdout) as unknown;
};

Fixture('this release is the package version', () => {
  assert.is(release, (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version);
});

Fixture('opens, reads (schema-1 sightings read severity unknown), verifies, and writes schema 2 only once told to', async () => {
  const before = await findings();
  assert.equal(
    before.map((f) => [f.finding_id, f.lifecycle, f.severity, f.sla_due_at, f.notes]),
    [
      ['f-crit', 'recurring', 'unknown', null, []],
      ['f-old', 'resolved', 'unknown', null, ['owner asked']],
      ['f-sup', 'suppressed', 'unknown', null, []],
    ],
  );
  assert.equal((await cli('log', 'verify')) as { ok: boolean; events: number }, {
    ok: true,
    events: 15,
    streams: 8,
    firstBad: null,
    badCount: 0,
    problems: [],
    bodies: { ok: true, referenced: 1, present: 1, purged: 0, missing: [], altered: [] },
  });
  const status = (await cli('projections', 'status')) as { name: string; version: number; position: number }[];
  assert.equal(status.find((p) => p.name === 'findings'), { name: 'findings', version: 5, position: 15, rows: 3 });
  const stats = (await cli('stats')) as { by_severity: Record<string, { total: number; open: number }> };
  assert.equal(stats.by_severity.unknown, { total: 3, open: 1, breached: 0 });
  // Severity needs schema 2, which this store does not write until told: refused, exit 2, nothing written.
  const refused = await runCli(['--data', join(dir, 'data'), 'finding', 'track', 'f-crit', '--asset', 'arn:aws:iam::111111111111:role/admin', '--rule', 'iam-admin', '--severity', 'critical']);
  assert.is(refused.code, 2);
  assert.match(refused.stderr, /invalid severity: "critical" \(expected none while this store writes sightings \(FindingTracked\) at schema 1/);
  assert.is(((await cli('log', 'stats')) as { events: number }).events, 15);
  assert.equal(((await cli('schema', 'write', 'FindingTracked', '2')) as { write: number }).write, 2);
  const tracked = (await cli('finding', 'track', 'f-crit', '--asset', 'arn:aws:iam::111111111111:role/admin', '--rule', 'iam-admin', '--severity', 'critical')) as Finding;
  assert.equal([tracked.lifecycle, tracked.severity, typeof tracked.sla_due_at], ['recurring', 'critical', 'string']);
  assert.ok(((await cli('log', 'verify')) as { ok: boolean }).ok);
});

Fixture('moves to PostgreSQL by log migrate: verified, every finding the same, old events still schema 1 there', async () => {
  await cli('schema', 'write', 'FindingTracked', '2');
  await cli('finding', 'track', 'f-sup', '--asset', 'arn:aws:ec2:us-east-1:111111111111:sg/sg-1', '--rule', 'sg-open', '--severity', 'high');
  const target = await freshSchema('release-fixture');
  schemas.push(target);
  const summary = (await cli('log', 'migrate', '--to', target.url)) as { verify: { ok: boolean } };
  assert.is(summary.verify.ok, true);
  const there = ['--store', target.url];
  assert.equal(await findings(...there), await findings());
  assert.equal(((await cliAt(there, 'schema', 'show')) as { type: string; write: number }[]).map((r) => [r.type, r.write]), [['FindingTracked', 2]]);
  const tail = (await runCli([...there, '--json', 'log', 'tail', '-n', '100'])).stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; data: { findingId?: string; severity?: string } });
  assert.equal(tail.filter((e) => e.type === 'FindingTracked').map((e) => [e.data.findingId, e.data.severity]), [
    ['f-crit', 'unknown'],
    ['f-old', 'unknown'],
    ['f-sup', 'unknown'],
    ['f-crit', 'unknown'],
    ['f-sup', 'unknown'],
    ['f-sup', 'high'],
  ]);
  assert.ok(((await cliAt(there, 'log', 'verify')) as { ok: boolean }).ok);
});

Fixture.run();
