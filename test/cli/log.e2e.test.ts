import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { logPathOf } from '../../src/cli/context.js';
import { SqliteEventStore } from '../../src/store/index.js';
import { isOneLineError, runCli, startCli } from '../support/cli.js';
import { findingStream, note } from '../support/events.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

const Log = suite('cli: log stats, tail, verify');
let dir = '';
let data = '';
Log.before(async () => {
  dir = makeTempDir('cli-log');
  data = join(dir, 'data');
  await runCli(['--data', data, 'log', 'stats']);
  const store = new SqliteEventStore({ path: logPathOf(data) });
  for (let i = 0; i < 12; i += 1) store.appendSync([{ stream: findingStream(`f${i % 3}`), events: [note(`f${i % 3}`, `n${i}`)] }]);
  await store.close();
});
Log.after(() => removeDir(dir));

Log('log stats --json gives events, streams, head position and bytes, with --json before or after', async () => {
  const after = await runCli(['log', 'stats', '--json', '--data', data]);
  const before = await runCli(['--json', '--data', data, 'log', 'stats']);
  assert.is(after.code, 0, after.stderr);
  const stats = JSON.parse(after.stdout) as Record<string, number>;
  assert.equal(Object.keys(stats).sort(), ['bytes', 'events', 'head_position', 'origin', 'store', 'streams']);
  assert.match(String(stats.store), /^sqlite \//);
  assert.is(stats.events, 12);
  assert.is(stats.streams, 3);
  assert.is(stats.head_position, 12);
  assert.ok((stats.bytes ?? 0) > 0);
  assert.equal(JSON.parse(before.stdout), stats);
});

Log('STANCE_STATE_DIR is the data dir when --data is not given', async () => {
  const run = await runCli(['log', 'stats', '--json'], { env: { STANCE_STATE_DIR: data } });
  assert.is((JSON.parse(run.stdout) as { events: number }).events, 12);
});

Log('log tail prints the last N events, as NDJSON under --json', async () => {
  const text = await runCli(['--data', data, 'log', 'tail', '-n', '3']);
  assert.is(text.code, 0);
  const lines = text.stdout.trim().split('\n');
  assert.is(lines.length, 3);
  assert.match(lines[2] ?? '', /^\s+12\s+\S+Z\s+finding-f2@3\s+FindingNoteAdded\s+\{/);
  const json = await runCli(['--data', data, 'log', 'tail', '-n', '2', '--json']);
  const events = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as { position: number; data: { text: string } });
  assert.equal(events.map((e) => [e.position, e.data.text]), [[11, 'n10'], [12, 'n11']]);
});

Log('log tail refuses a count that is not a whole number, naming it', async () => {
  for (const bad of ['x', '-1', '1.5', '']) {
    const run = await runCli(['--data', data, 'log', 'tail', '-n', bad]);
    assert.is(run.code, 2, bad);
    assert.match(run.stderr, `invalid lines: "${bad}"`);
    assert.ok(isOneLineError(run));
  }
});

Log('log tail --follow prints events another process appends', async () => {
  const child = startCli(['--data', data, 'log', 'tail', '-n', '1', '--follow', '--json']);
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
  // The last existing event comes first: once it is printed, the follower is subscribed.
  const first = JSON.parse((await lines.next()).value as string) as { position: number };
  assert.is(first.position, 12);
  const store = new SqliteEventStore({ path: logPathOf(data) });
  await store.append(findingStream('live'), [note('live', 'followed')]);
  await store.close();
  const line = JSON.parse((await lines.next()).value as string) as { stream: string; data: { text: string } };
  assert.is(line.stream, 'finding-live');
  assert.is(line.data.text, 'followed');
  child.kill('SIGTERM');
  const code = await new Promise((r) => child.on('close', r));
  assert.is(code, 0);
});

Log('log verify exits 0 on a sound log and 1 naming the altered event in a tampered copy', async () => {
  const sound = await runCli(['--data', data, 'log', 'verify']);
  assert.is(sound.code, 0, sound.stderr);
  assert.match(sound.stdout, /^log sound: \d+ events in \d+ streams/);
  const copy = join(dir, 'copy');
  await runCli(['--data', copy, 'log', 'stats']);
  const source = new SqliteEventStore({ path: logPathOf(data) });
  source.db.pragma('wal_checkpoint(TRUNCATE)');
  await source.close();
  copyFileSync(logPathOf(data), logPathOf(copy));
  const tampered = new SqliteEventStore({ path: logPathOf(copy) });
  tampered.db.exec('DROP TRIGGER events_no_update');
  tampered.db.prepare(`UPDATE events SET data = replace(data, '"n4"', '"n4!"') WHERE position = 5`).run();
  await tampered.close();
  const bad = await runCli(['--data', copy, 'log', 'verify']);
  assert.is(bad.code, 1);
  assert.match(bad.stderr, 'first bad event: stream finding-f1 (origin ');
  assert.match(bad.stderr, 'revision 1 at position 5: checksum: stored');
  assert.match(bad.stderr, 'append-only trigger events_no_update is missing');
  const json = await runCli(['--data', copy, 'log', 'verify', '--json']);
  assert.is(json.code, 1);
  assert.is((JSON.parse(json.stdout) as { firstBad: { position: number } }).firstBad.position, 5);
});

Log('an unknown command and a data dir that is a file (or under one) are bad input, in one line naming --data', async () => {
  const unknown = await runCli(['--data', data, 'nope']);
  assert.is(unknown.code, 2);
  for (const path of [logPathOf(data), join(logPathOf(data), 'below')]) {
    const file = await runCli(['--data', path, 'log', 'stats']);
    assert.is(file.code, 2, file.stderr);
    assert.ok(isOneLineError(file), file.stderr);
    assert.match(file.stderr, `invalid --data: "${path}"`);
  }
});

Log('a data dir that cannot be created is bad input, not a hang (Node\'s recursive mkdir loops on /proc)', async () => {
  const path = process.platform === 'linux' ? '/proc/stance-state-test/data' : join(logPathOf(data), 'x');
  const run = await runCli(['--data', path, 'log', 'stats']);
  assert.is(run.code, 2, run.stderr);
  assert.ok(isOneLineError(run), run.stderr);
  assert.match(run.stderr, 'invalid --data');
});

Log('a log file that is not a database fails in one line naming the file, and is left as it was', async () => {
  const other = join(dir, 'garbage');
  mkdirSync(other);
  const bytes = Buffer.concat([Buffer.from('SQLite format 3\0'), randomBytes(8192)]);
  writeFileSync(logPathOf(other), bytes);
  const run = await runCli(['--data', other, 'scan', 'list']);
  assert.is(run.code, 1, run.stderr);
  assert.ok(isOneLineError(run), run.stderr);
  assert.match(run.stderr, `${logPathOf(other)}: file is not a database`);
  assert.ok(readFileSync(logPathOf(other)).equals(bytes));
});

Log.run();
