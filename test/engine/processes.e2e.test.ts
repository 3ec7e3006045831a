import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { projections } from '../../projections/index.js';
import type { StateEngine } from '../../src/engine/index.js';
import type { RecordedEvent } from '../../src/events/index.js';
import { openEngine } from '../../src/open.js';
import { exited, spawnTs } from '../support/children.js';
import { startCli } from '../support/cli.js';
import { collect } from '../support/events.js';
import { get, post } from '../support/http.js';
import { freshStore, testBackendName as testBackend, type TestStore } from '../support/stores.js';
import { writeAsOlderRelease } from '../support/older-release.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

/**
 * Many processes on one store, each opening it by URL as a deployment's processes do: CLI writers, `serve`
 * processes and engines deciding on the same findings. Runs once per backend (STANCE_TEST_BACKEND).
 */
const Processes = suite(`engine: many processes on one ${testBackend()} store`);
let dir = '';
const stores: TestStore[] = [];
const children: ChildProcess[] = [];
Processes.before(() => {
  dir = makeTempDir('processes');
});
Processes.after.each(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited(child);
  }
  for (const store of stores.splice(0)) await store.drop();
});
Processes.after(() => removeDir(dir));

const storeFor = async (label: string) => {
  const store = await freshStore(dir, label);
  stores.push(store);
  return store;
};

/** Starts an engine child; resolves with its lines once it exits. */
const runChild = (url: string, label: string, mode: string, n: number, onLine: (line: string) => void = () => undefined) => {
  const lines: string[] = [];
  const child = spawnTs('./engine-child.ts', [url, label, mode, String(n)], (line) => {
    lines.push(line);
    onLine(line);
  });
  children.push(child);
  return { child, done: exited(child).then((exit) => ({ ...exit, lines })) };
};

/** What an `open` child prints after `opened` when it rebuilt every projection. */
const everyProjection = projections.map((p) => p.name).sort().join(',');

/** The findings' stats and first rows are what a rebuild of every projection from the log gives. */
const assertEqualsRebuild = async (engine: StateEngine): Promise<void> => {
  const stats = await engine.getFindingStats();
  const rows = (await engine.listFindingStates({ limit: 100 })).findings;
  await engine.rebuildProjections();
  assert.equal(await engine.getFindingStats(), stats);
  assert.equal((await engine.listFindingStates({ limit: 100 })).findings, rows);
};

const eventsOf = async (url: string, stream: string): Promise<RecordedEvent[]> => {
  const engine = await openEngine({ store: url, origin: 'central' });
  try {
    return await collect(engine.backend.log.readStream(stream));
  } finally {
    await engine.close();
  }
};

Processes('four processes tracking and deciding on the same findings lose no update; the read models equal a rebuild', async () => {
  const { url } = await storeFor('decide');
  const runs = ['p1', 'p2', 'p3', 'p4'].map((label) => runChild(url, label, 'decide', 45));
  const results = await Promise.all(runs.map((r) => r.done));
  assert.equal(results.map((r) => r.code), [0, 0, 0, 0]);
  const acks = results.flatMap((r) => r.lines.filter((l) => l.startsWith('ack ')).map((l) => l.split(' ')));
  const refused = results.flatMap((r) => r.lines.filter((l) => l.startsWith('refused ')));
  // A refusal is an answer: a note on a finding nobody has seen yet, or a finding that other writers changed three
  // times while this one decided ('conflict': try again). Never a raw store error; and most writes get through.
  for (const line of refused) assert.match(line, /DomainError: (finding f-\d is not tracked|.* changed by another writer)/, line);
  assert.ok(acks.length >= 120, `${acks.length} acknowledged, ${refused.length} refused:\n${refused.join('\n')}`);

  const engine = await openEngine({ store: url, origin: 'central' });
  for (let f = 0; f < 5; f += 1) {
    const id = `f-${f}`;
    const events = await collect(engine.backend.log.readStream(`finding-${id}`));
    const mine = (op: string) => acks.filter((a) => a[1] === op && a[2] === id).map((a) => a[3] as string).sort();
    // Every acknowledged note is in the log exactly once; nothing unacknowledged was written.
    assert.equal(
      events.filter((e) => e.type === 'FindingNoteAdded').map((e) => (e.data as { text: string }).text).sort(),
      mine('note'),
      `${id} notes`,
    );
    assert.is(events.filter((e) => e.type === 'FindingTracked').length, mine('sighting').length, `${id} sightings`);
    // A resolution of a resolved finding is acknowledged and writes nothing (the decider's no-op), so the log holds
    // a subset of the acknowledged ones; but never two in a row: each was decided on the state its append extended.
    const resolutions = events.filter((e) => e.type === 'FindingResolved').map((e) => (e.data as { reason: string }).reason);
    for (const reason of resolutions) assert.ok(mine('resolve').includes(reason), `${id}: resolution ${reason} was acknowledged`);
    const order = events.filter((e) => e.type !== 'FindingNoteAdded').map((e) => e.type);
    order.forEach((type, i) => {
      if (type === 'FindingResolved') assert.is(order[i - 1], 'FindingTracked', `${id}: a resolution follows a sighting (${order.join(' ')})`);
    });
    const state = await engine.getFindingState(id);
    assert.is(state?.scan_count ?? 0, mine('sighting').length, `${id} scan_count`);
  }
  const verify = await engine.backend.log.verify();
  assert.ok(verify.ok, JSON.stringify(verify));
  await assertEqualsRebuild(engine);
  await engine.close();
});

Processes('kill -9 of a writer mid-commit loses no acknowledged batch and leaves no half of one', async () => {
  for (let trial = 0; trial < 3; trial += 1) {
    const { url } = await storeFor(`kill${trial}`);
    let acked = -1;
    let killAt = 4 + trial * 3;
    const { child, done } = runChild(url, `w${trial}`, 'batches', 100_000, (line) => {
      if (!line.startsWith('ack ')) return;
      acked = Number(line.slice(4));
      if (acked === killAt) {
        // Somewhere inside the next commit (or between two): the exact instant varies run to run.
        killAt = -1;
        setTimeout(() => child.kill('SIGKILL'), trial * 3);
      }
    });
    const exit = await done;
    assert.is(exit.signal, 'SIGKILL');
    const engine = await openEngine({ store: url, origin: 'central' });
    const findings = (await engine.listFindingStates({ limit: 10_000 })).findings.map((f) => f.finding_id);
    const perBatch = new Map<number, number>();
    for (const id of findings) {
      const batch = Number(id.split('-')[2]);
      perBatch.set(batch, (perBatch.get(batch) ?? 0) + 1);
    }
    for (let i = 0; i <= acked; i += 1) assert.is(perBatch.get(i), 20, `trial ${trial}: acknowledged batch ${i} is whole`);
    for (const [batch, n] of perBatch) assert.is(n, 20, `trial ${trial}: batch ${batch} is whole or absent`);
    assert.ok([acked + 1, acked + 2].includes(perBatch.size), `trial ${trial}: ${perBatch.size} batches for ${acked + 1} acknowledged`);
    // The log holds the whole batches and nothing else. (On PostgreSQL the killed commit's positions may be a gap.)
    const stored = await engine.backend.log.stats();
    assert.is(stored.events, perBatch.size * 20, 'the log holds the whole batches and nothing else');
    const head = await engine.backend.log.headPosition();
    assert.ok(head >= stored.events, `head ${head} below ${stored.events} events`);
    const verify = await engine.backend.log.verify();
    assert.ok(verify.ok, JSON.stringify(verify));
    // The read models were committed with the events: a rebuild finds nothing to change.
    const stats = await engine.getFindingStats();
    await engine.rebuildProjections();
    assert.equal(await engine.getFindingStats(), stats);
    // The store keeps taking writes after the crash.
    await engine.trackFindings([{ findingId: 'after-crash', assetId: 'a', ruleId: 'r' }]);
    assert.is((await engine.backend.log.stats()).events, perBatch.size * 20 + 1);
    assert.ok((await engine.backend.log.headPosition()) > head, 'the next commit lands after every earlier position');
    await engine.close();
  }
});

const token = 'processes-write-token-2b9c4d1e';

/** `serve --store <url> --port 0` in its own process; resolves once it printed where it listens. */
const serve = async (url: string) => {
  const child = startCli(['--store', url, 'serve', '--port', '0'], { STANCE_STATE_TOKEN: token });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
  const first = await lines.next();
  const address = /http:\/\/[^\s"]+/.exec(String(first.value ?? ''))?.[0];
  if (address === undefined) throw new Error(`serve did not start: ${stderr}`);
  return address;
};

Processes('projections rebuilt again and again while another process commits: each waits its turn for the lock, none fails', async () => {
  const { url } = await storeFor('rebuilds');
  const engine = await openEngine({ store: url, origin: 'central' });
  let acked = 0;
  const { child, done } = runChild(url, 'w', 'decide', 1_000_000, (line) => {
    if (line.startsWith('ack ')) acked += 1;
  });
  try {
    while (acked < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    // Each rebuild starts with a transaction that creates its shadow tables. On SQLite, begun deferred, it first read
    // the schema and then failed at once (SQLITE_BUSY, no wait) when the writer held or had taken the lock meanwhile:
    // about half of these rebuilds, and `projections rebuild` beside a busy `serve` exited 1.
    const failures: string[] = [];
    const before = acked;
    for (let i = 0; i < 40; i += 1) {
      await engine.rebuildProjections().catch((error: Error & { code?: string }) => failures.push(`rebuild ${i}: ${error.code ?? error.name} ${error.message}`));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(failures, []);
    assert.ok(acked > before, 'the writer committed while the rebuilds ran');
  } finally {
    child.kill('SIGKILL');
    await done;
  }
  // What the last rebuild swapped in, plus what the writer committed after it, equals a rebuild of the whole log.
  await assertEqualsRebuild(engine);
  await engine.close();
});

Processes('two processes rebuilding at once: each rebuild waits for the other, none fails, the read models equal a rebuild', async () => {
  const { url } = await storeFor('two-rebuilds');
  const engine = await openEngine({ store: url, origin: 'central' });
  for (let b = 0; b < 10; b += 1)
    await engine.trackFindings(Array.from({ length: 1000 }, (_, i) => ({ findingId: `f-${b}-${i}`, assetId: `a-${i % 50}`, ruleId: `r-${b % 7}` })));
  const stats = await engine.getFindingStats();
  const rows = (await engine.listFindingStates({ limit: 100 })).findings;
  // On SQLite both built the same shadow tables (findings__g3), each dropping the other's: one failed on "no such
  // table" (a stack trace from `projections rebuild`); had both filled one shadow, its counters would count twice.
  const runs = ['a', 'b'].map((label) => runChild(url, label, 'rebuilds', 3));
  const results = await Promise.all(runs.map((r) => r.done));
  assert.equal(results.map((r) => r.code), [0, 0]);
  assert.equal(
    results.map((r) => r.lines.filter((l) => l !== 'done')),
    [0, 1].map(() => ['ack rebuild 0', 'ack rebuild 1', 'ack rebuild 2']),
  );
  assert.equal(await engine.getFindingStats(), stats);
  assert.equal((await engine.listFindingStates({ limit: 100 })).findings, rows);
  await assertEqualsRebuild(engine);
  await engine.close();
});

Processes('three processes opening a store an older release built at once: one rebuilds it, the others wait and find it done', async () => {
  const { url } = await storeFor('older');
  await writeAsOlderRelease(url, 100_000);
  const runs = ['p1', 'p2', 'p3'].map((label) => runChild(url, label, 'open', 0));
  const results = await Promise.all(runs.map((r) => r.done));
  assert.equal(results.map((r) => r.code), [0, 0, 0], JSON.stringify(results));
  const opened = results.map((r) => r.lines.find((l) => l.startsWith('opened'))?.slice('opened '.length) ?? null);
  assert.equal(opened.filter((o) => o === everyProjection).length, 1, `one process rebuilt every projection: ${JSON.stringify(opened)}`);
  assert.equal(opened.filter((o) => o === '').length, 2, `the others rebuilt nothing: ${JSON.stringify(opened)}`);
  const engine = await openEngine({ store: url, origin: 'central' });
  assert.is((await engine.getFindingStats()).total, 10_000);
  await assertEqualsRebuild(engine);
  await engine.close();
});

Processes('a rebuild killed with kill -9 holds nothing: the next open rebuilds at once, and the read models equal a rebuild', async () => {
  const { url } = await storeFor('killed-rebuild');
  await writeAsOlderRelease(url, 100_000);
  // The first opener starts rebuilding every projection at open, and is killed in the middle of it.
  const first = runChild(url, 'k1', 'open', 0, (line) => {
    if (line === 'rebuilding') setTimeout(() => first.child.kill('SIGKILL'), 150);
  });
  const killed = await first.done;
  assert.is(killed.signal, 'SIGKILL', JSON.stringify(killed));
  assert.not.ok(killed.lines.some((l) => l.startsWith('opened')), 'killed before its rebuild ended');
  // Had the dead process left its lock behind, this one would wait forever: it gets two minutes.
  const second = runChild(url, 'k2', 'open', 0);
  const timer = setTimeout(() => second.child.kill('SIGKILL'), 120_000);
  const opened = await second.done;
  clearTimeout(timer);
  assert.is(opened.code, 0, `the next open finished: ${JSON.stringify(opened)}`);
  assert.ok(opened.lines.includes(`opened ${everyProjection}`), `it rebuilt every projection: ${JSON.stringify(opened.lines)}`);
  const engine = await openEngine({ store: url, origin: 'central' });
  assert.is((await engine.getFindingStats()).total, 10_000);
  await assertEqualsRebuild(engine);
  await engine.close();
});

Processes('two serve processes on one store: a write through one is read through the other with min_position', async () => {
  const { url } = await storeFor('serve');
  const [a, b] = await Promise.all([serve(url), serve(url)]);
  for (let i = 0; i < 5; i += 1) {
    const written = await post(a as string, '/v1/findings/track', { findings: [{ finding_id: `s-${i}`, asset_id: 'a', rule_id: 'r' }] }, { token });
    assert.is(written.status, 200, written.text);
    const position = Number(written.headers['x-stance-position']);
    assert.ok(position > 0, `the write names its position: ${JSON.stringify(written.headers)}`);
    const read = await get(b as string, `/v1/findings/s-${i}?min_position=${position}`);
    assert.is(read.status, 200, read.text);
    assert.ok(Number(read.headers['x-stance-position']) >= position);
    assert.is((read.json as { scan_count: number }).scan_count, 1);
  }
  // And the other way round, a decision through b read through a.
  const resolved = await post(b as string, '/v1/findings/s-0/resolve', { by: 'alice', reason: 'fixed' }, { token });
  assert.is(resolved.status, 200, resolved.text);
  const read = await get(a as string, `/v1/findings/s-0?min_position=${Number(resolved.headers['x-stance-position'])}`);
  assert.is((read.json as { lifecycle: string }).lifecycle, 'resolved');
});

Processes.run();
