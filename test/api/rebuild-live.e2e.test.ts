import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { StateEngine } from '../../src/engine/index.js';
import { exited } from '../support/children.js';
import { cliStores, runCli, startCli } from '../support/cli.js';
import { engineOn, onBackend } from '../support/engine.js';
import { get } from '../support/http.js';
import { writeAsOlderRelease } from '../support/older-release.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

/**
 * Zero-downtime projection changes, end to end: a store of STANCE_E2E_REBUILD_EVENTS events (default 1,000,000)
 * whose read models an older release built (every projection at version 0) is opened by this release, which
 * rebuilds them; then a real `serve` answers while `projections rebuild` runs in another process and a writer
 * appends. Every answer must be a 2xx and the position it reports must never go back.
 */
const Live = suite(onBackend('api: serve keeps answering during a rebuild (the real binary)'));
const stores = cliStores();
const total = Number(process.env.STANCE_E2E_REBUILD_EVENTS ?? 1_000_000);
const perFinding = 10;
let dir = '';
const children: ChildProcess[] = [];
Live.before(() => {
  dir = makeTempDir('rebuild-live');
});
Live.after(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited(child);
  }
  await stores.drop();
  removeDir(dir);
});

/** Every read-model row the API's lists come from, in a canonical order. */
const dump = async (engine: StateEngine): Promise<Record<string, string[]>> => {
  const out: Record<string, string[]> = {};
  for (const table of ['findings', 'finding_stats', 'finding_days', 'finding_days_findings', 'scans', 'scan_scopes'])
    out[table] = (await engine.backend.models.rows({ table })).map((r) => JSON.stringify(r)).sort();
  return out;
};

Live('queries against a live serve during a rebuild never fail and never go back in position; the result equals a fresh rebuild', async () => {
  const data = join(dir, 'data');
  mkdirSync(data, { recursive: true });
  const url = await stores.url(data);
  const env = await stores.env(data);
  await writeAsOlderRelease(url, total, perFinding);
  // This release opens the older release's read models: their version changed, so the open rebuilds them.
  const opened = await runCli(['--data', data, '--json', 'projections', 'status'], { env });
  assert.is(opened.code, 0, opened.stderr);
  const status = JSON.parse(opened.stdout) as { name: string; position: number }[] | { projections: { name: string; position: number }[] };
  const positions = (Array.isArray(status) ? status : status.projections).map((p) => p.position);
  assert.ok(positions.every((p) => p >= total), `rebuilt on open: ${JSON.stringify(status)}`);

  const served = startCli(['--data', data, 'serve', '--port', '0'], env);
  children.push(served);
  const lines = createInterface({ input: served.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
  const first = await lines.next();
  const base = /http:\/\/[^\s"]+/.exec(String(first.value))?.[0];
  if (base === undefined) throw new Error(`serve printed no URL: ${String(first.value)}`);

  // A writer in this process appends while the rebuild runs: its events must be in the rebuilt tables too.
  const writer = await engineOn(url, { origin: 'central' });
  let writing = true;
  let written = 0;
  const writes = (async () => {
    while (writing) {
      await writer.trackFindings([{ findingId: `live-${written}`, assetId: 'asset-live', ruleId: 'rule-live' }]);
      written += 1;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  // The seeded findings are all recurring (ten sightings each): `lifecycle=new` lists the writer's findings, so the
  // queries start once the first of them is committed (on a loaded machine that can take longer than three queries).
  while (written === 0) await new Promise((resolve) => setTimeout(resolve, 5));

  const rebuild = startCli(['--data', data, '--json', 'projections', 'rebuild'], env);
  children.push(rebuild);
  let rebuildOut = '';
  rebuild.stdout?.on('data', (d: Buffer) => (rebuildOut += d.toString()));
  let rebuildErr = '';
  rebuild.stderr?.on('data', (d: Buffer) => (rebuildErr += d.toString()));
  let rebuilding = true;
  const rebuildDone = exited(rebuild).then((r) => {
    rebuilding = false;
    return r;
  });

  const paths = ['/v1/findings?limit=20', '/v1/stats', '/v1/scans', '/v1/findings?lifecycle=new&limit=5'];
  const failures: string[] = [];
  const seeded = Math.max(1, Math.floor(total / perFinding));
  let lastTotal = 0;
  let last = 0;
  let during = 0;
  let after = 0;
  let i = 0;
  // Hammer until the rebuild has exited, then a few rounds more against the swapped tables.
  while (rebuilding || after < 2 * paths.length) {
    const path = paths[i % paths.length] as string;
    i += 1;
    const r = await get(base, path);
    const position = Number(r.headers['x-stance-position']);
    if (r.status < 200 || r.status > 299) failures.push(`${path}: ${r.status} ${r.text.slice(0, 200)}`);
    else if (!Number.isSafeInteger(position)) failures.push(`${path}: no position`);
    else if (position < last) failures.push(`${path}: position ${position} after ${last}`);
    else last = position;
    // Nor in what they say: findings are only ever added here, so the total never falls and a page is never empty.
    if (path === '/v1/stats') {
      const count = (r.json as { total?: number } | undefined)?.total ?? -1;
      if (count < Math.max(seeded, lastTotal)) failures.push(`${path}: total ${count} after ${lastTotal} (seeded ${seeded})`);
      lastTotal = Math.max(lastTotal, count);
    }
    if (path.startsWith('/v1/findings') && ((r.json as { findings?: unknown[] } | undefined)?.findings ?? []).length === 0)
      failures.push(`${path}: no findings at position ${position}, ${rebuilding ? 'during' : 'after'} the rebuild, ${written} written`);
    if (rebuilding) during += 1;
    else after += 1;
  }
  const { code } = await rebuildDone;
  writing = false;
  await writes;
  await writer.close();
  assert.is(code, 0, `projections rebuild exits 0: ${rebuildErr}`);
  assert.equal(failures, []);
  assert.ok(during > 0, 'queries ran while the rebuild did');
  assert.ok(written > 0, 'the writer appended during the rebuild');
  const report = JSON.parse(rebuildOut) as { events: number };
  assert.ok(report.events >= total, `the rebuild folded the whole log: ${rebuildOut}`);
  served.kill('SIGTERM');
  assert.is((await exited(served)).code, 0);

  // The swapped tables hold what a fresh rebuild gives, the writer's findings included.
  const engine = await engineOn(url, { origin: 'central' });
  try {
    const before = await dump(engine);
    assert.ok((before.findings ?? []).some((r) => r.includes('"live-0"')), 'the writer\'s findings are in the rebuilt tables');
    await engine.rebuildProjections();
    assert.equal(await dump(engine), before);
  } finally {
    await engine.close();
  }
});

Live.run();
