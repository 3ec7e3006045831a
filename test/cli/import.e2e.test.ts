import { closeSync, openSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isOneLineError, peakRssOf, reportPeakRss, runCli, startCli, type CliRun } from '../support/cli.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

const Import = suite('cli: finding import refuses bad bytes and nesting, accepts a BOM, streams any size, re-runs once');
let dir = '';
let data = '';
Import.before(async () => {
  dir = makeTempDir('cli-import');
  data = join(dir, 'data');
  await runCli(['--data', data, 'scan', 'start', 's1', '--snapshot', 'x']);
});
Import.after(() => removeDir(dir));

const cli = (args: string[], options: Parameters<typeof runCli>[1] = {}) => runCli(['--data', data, ...args], options);
const head = async (): Promise<number> => (JSON.parse((await cli(['log', 'stats', '--json'])).stdout) as { head_position: number }).head_position;
const file = (name: string, ...parts: (string | number[])[]): string => {
  const path = join(dir, name);
  writeFileSync(path, Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p)))));
  return path;
};
const record = (id: string, asset = 'a') => JSON.stringify({ finding_id: id, asset_id: asset, rule_id: 'r' });
/** A refusal: exit 2, one line naming what is wrong, no stack, nothing written. */
const refused = async (run: CliRun, message: string, before: number) => {
  assert.is(run.code, 2, run.stderr);
  assert.match(run.stderr, message);
  assert.ok(isOneLineError(run), run.stderr);
  assert.is(await head(), before, 'nothing written');
};

Import('a leading UTF-8 byte-order mark is accepted, in NDJSON and in a JSON array', async () => {
  const bom = [0xef, 0xbb, 0xbf];
  const lines = await cli(['finding', 'import', file('bom.ndjson', bom, `${record('bom-1')}\n`), '--json']);
  assert.is(lines.code, 0, lines.stderr);
  assert.is((JSON.parse(lines.stdout) as { new: number }).new, 1);
  const array = await cli(['finding', 'import', '-', '--json'], { input: Buffer.concat([Buffer.from(bom), Buffer.from(`[${record('bom-2')}]`)]) });
  assert.is(array.code, 0, array.stderr);
  assert.is((JSON.parse(array.stdout) as { new: number }).new, 1);
});

Import('ill-formed UTF-8 in an NDJSON line is refused naming the line, field and byte offset; distinct ids are not merged', async () => {
  const before = await head();
  const first = `${record('ok-1')}\n`;
  const path = file('bad.ndjson', first, '{"finding_id":"v-', [0xff], '","asset_id":"a","rule_id":"r"}\n{"finding_id":"v-', [0xfe], '","asset_id":"a","rule_id":"r"}\n');
  await refused(await cli(['finding', 'import', path]), `invalid line 2.finding_id: byte ff at offset ${first.length + 17} (expected UTF-8 text)`, before);
});

Import('overlong forms, surrogates and code points past U+10FFFF are refused in a JSON array, naming record and field', async () => {
  const before = await head();
  for (const bad of [[0xc0, 0xaf], [0xe0, 0x80, 0xaf], [0xf0, 0x80, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80]]) {
    const prefix = `[${record('ok-2')},\n{"finding_id":"x","asset_id":"a`;
    const path = file('bad.json', prefix, bad, '","rule_id":"r"}]');
    const run = await cli(['finding', 'import', path]);
    await refused(run, `invalid records[1].asset_id: `, before);
    assert.match(run.stderr, `at offset ${Buffer.byteLength(prefix)} (expected UTF-8 text)`);
  }
});

Import('a record nested 100,000 deep is refused naming the depth limit, in NDJSON and in an array', async () => {
  const before = await head();
  const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
  await refused(await cli(['finding', 'import', file('deep.ndjson', `${record('ok-3')}\n{"finding_id":${deep}}\n`)]), 'invalid line 2: ', before);
  const lines = await cli(['finding', 'import', file('deep.ndjson', `{"finding_id":${deep}}\n`)]);
  assert.match(lines.stderr, 'expected JSON nested at most 64 levels deep');
  const array = await cli(['finding', 'import', file('deep.json', `[${record('ok-3')},${deep}]`)]);
  await refused(array, 'invalid records[1]: ', before);
  assert.match(array.stderr, 'expected JSON nested at most 64 levels deep');
});

/** `count` NDJSON records written in blocks, with `last` appended as the final line. */
const bigFile = (name: string, count: number, last = ''): string => {
  const path = join(dir, name);
  const fd = openSync(path, 'w');
  for (let i = 0; i < count; i += 10_000) {
    const lines: string[] = [];
    for (let k = i; k < Math.min(count, i + 10_000); k += 1) lines.push(record(`big-${String(k).padStart(8, '0')}`, `arn:aws:s3:::bucket-${k % 5000}`));
    writeSync(fd, `${lines.join('\n')}\n`);
  }
  if (last) writeSync(fd, `${last}\n`);
  closeSync(fd);
  return path;
};
const rssLimit = 256 * 1024 * 1024;

Import('a 200 MB file is checked whole in bounded memory: its last line, a duplicate, refuses it all', async () => {
  const before = await head();
  const path = bigFile('dup.ndjson', 2_500_000, record('big-00000007'));
  assert.ok(statSync(path).size > 200_000_000);
  const run = await cli(['finding', 'import', path, '--scan', 's1'], { nodeArgs: reportPeakRss });
  const { rss, stderr } = peakRssOf(run);
  await refused({ ...run, stderr }, 'invalid line 2500001.finding_id: "big-00000007" (expected a finding listed once (also at line 8))', before);
  assert.ok(rss < rssLimit, `peak RSS ${Math.round(rss / 1048576)} MB`);
});

Import('an import appends in bounded memory; a re-run into the same scan records nothing again', async () => {
  const path = bigFile('ok.ndjson', 100_000);
  const run = await cli(['finding', 'import', path, '--scan', 's1', '--json'], { nodeArgs: reportPeakRss });
  const { rss, stderr } = peakRssOf(run);
  assert.is(run.code, 0, stderr);
  assert.is((JSON.parse(run.stdout) as { new: number }).new, 100_000);
  assert.ok(rss < rssLimit, `peak RSS ${Math.round(rss / 1048576)} MB`);
  const before = await head();
  const again = await cli(['finding', 'import', path, '--scan', 's1', '--json']);
  assert.equal(JSON.parse(again.stdout) as object, { tracked: 0, new: 0, recurring: 0, reopened: 0, still_suppressed: 0, suppressions_expired: 0, already_seen: 100_000, position: before });
  assert.is(await head(), before);
  const shown = JSON.parse((await cli(['finding', 'show', 'big-00000042', '--json'])).stdout) as { scan_count: number };
  assert.is(shown.scan_count, 1);
});

Import('an import killed while it appends leaves nothing; its re-run counts every sighting once', async () => {
  await cli(['scan', 'start', 's2', '--snapshot', 'x']);
  const path = bigFile('kill.ndjson', 60_000);
  const before = await head();
  const wal = join(data, 'stance.db-wal');
  const walSize = () => {
    try {
      return statSync(wal).size;
    } catch {
      return 0;
    }
  };
  const start = walSize();
  const child = startCli(['--data', data, 'finding', 'import', path, '--scan', 's2']);
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  // The append has begun once the WAL grows by more than its page cache can hold back; then kill it mid-way.
  while (walSize() < start + 24 * 1024 * 1024 && child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
  child.kill('SIGKILL');
  await closed;
  assert.is(await head(), before, 'the killed import committed nothing');
  const rerun = await cli(['finding', 'import', path, '--scan', 's2', '--json']);
  assert.is(rerun.code, 0, rerun.stderr);
  assert.equal([(JSON.parse(rerun.stdout) as { recurring: number }).recurring, (JSON.parse(rerun.stdout) as { already_seen: number }).already_seen], [60_000, 0]);
  const again = await cli(['finding', 'import', path, '--scan', 's2', '--json']);
  assert.is((JSON.parse(again.stdout) as { already_seen: number }).already_seen, 60_000);
  const shown = JSON.parse((await cli(['finding', 'show', 'big-00000042', '--json'])).stdout) as { scan_count: number; last_scan_id: string };
  assert.equal([shown.scan_count, shown.last_scan_id], [2, 's2'], 'once in s1, once in s2');
  assert.is((await cli(['log', 'verify'])).code, 0);
});

Import.run();
