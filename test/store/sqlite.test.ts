import { sqliteOf } from '../support/backend.js';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checksumOf } from '../../src/events/index.js';
import { SqliteEventStore } from '../../src/store/index.js';
import { findingStream, note } from '../support/events.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

const Sqlite = suite('store/sqlite: the file itself');
let dir = '';
let n = 0;
const open = (options: Partial<ConstructorParameters<typeof SqliteEventStore>[0]> = {}) =>
  new SqliteEventStore({ path: join(dir, `s${(n += 1)}.db`), ...options });
Sqlite.before(() => {
  dir = makeTempDir('sqlite');
});
Sqlite.after(() => removeDir(dir));

Sqlite('the database refuses UPDATE, DELETE and REPLACE of events', () => {
  const store = open();
  store.appendSync([{ stream: findingStream('a'), events: [note('a', '1')] }]);
  const [event] = [...store.readAllSync()];
  assert.throws(() => store.db.prepare("UPDATE events SET data = '{}'").run(), /append-only: UPDATE refused/);
  assert.throws(() => store.db.prepare('DELETE FROM events').run(), /append-only: DELETE refused/);
  assert.throws(
    () =>
      store.db
        .prepare(
          "INSERT OR REPLACE INTO events (id, stream, origin, revision, type, schema, data, meta, checksum) VALUES (?, 'finding-z', ?, 0, 'X', 1, '{}', '{}', 'c')",
        )
        .run(event?.id, event?.meta.origin),
    /append-only: DELETE refused/,
  );
  assert.is(store.statsSync().events, 1);
  assert.ok(store.verifySync().ok);
});

Sqlite('durability full syncs every commit and normal does not', () => {
  assert.is(open().db.pragma('synchronous', { simple: true }), 2);
  assert.is(open({ durability: 'normal' }).db.pragma('synchronous', { simple: true }), 1);
  assert.is(open().db.pragma('journal_mode', { simple: true }), 'wal');
});

Sqlite('a reopened log keeps the origin it was created with', async () => {
  const path = join(dir, 'origin.db');
  const first = new SqliteEventStore({ path, origin: 'spoke-eu-1' });
  await first.close();
  const again = new SqliteEventStore({ path, origin: 'something-else' });
  assert.is(again.origin, 'spoke-eu-1');
  await again.close();
  const generated = open();
  assert.match(generated.origin, /^[a-z0-9.-]+-[0-9a-f]{6}$/);
});

Sqlite('verify names the event whose data was altered behind the triggers', () => {
  const store = open();
  store.appendSync([{ stream: findingStream('a'), events: [note('a', '1'), note('a', '2'), note('a', '3')] }]);
  store.appendSync([{ stream: findingStream('b'), events: [note('b', '1')] }]);
  store.db.exec('DROP TRIGGER events_no_update');
  store.db.prepare(`UPDATE events SET data = replace(data, '"text":"2"', '"text":"two"') WHERE position = 2`).run();
  const report = store.verifySync();
  assert.not.ok(report.ok);
  assert.is(report.firstBad?.stream, 'finding-a');
  assert.is(report.firstBad?.revision, 1);
  assert.is(report.firstBad?.position, 2);
  assert.match(report.firstBad?.problem ?? '', /^checksum: stored [0-9a-f]{12}…, computed [0-9a-f]{12}…$/);
  assert.equal(report.problems, ['append-only trigger events_no_update is missing']);
});

Sqlite('verify names a revision gap and a checksum chain broken by a re-hashed event', () => {
  const store = open();
  store.appendSync([{ stream: findingStream('a'), events: [note('a', '1'), note('a', '2'), note('a', '3')] }]);
  store.db.exec('DROP TRIGGER events_no_update');
  // Forge event 1 and give it a checksum of its own: the next event's chain no longer matches.
  store.db.prepare(`UPDATE events SET checksum = '${'f'.repeat(64)}' WHERE position = 2`).run();
  const report = store.verifySync();
  assert.is(report.firstBad?.position, 2);
  assert.is(report.badCount, 2);
  store.db.exec('DROP TRIGGER events_no_delete');
  const gap = open();
  gap.appendSync([{ stream: findingStream('g'), events: [note('g', '1'), note('g', '2'), note('g', '3')] }]);
  gap.db.exec('DROP TRIGGER events_no_update');
  gap.db.prepare('UPDATE events SET revision = 5 WHERE position = 3').run();
  assert.equal(gap.verifySync().firstBad?.problem, 'revision: expected 2, found 5');
});

Sqlite('an event re-hashed after its data was forged still fails verify on its schema', () => {
  const store = open();
  store.appendSync([{ stream: findingStream('a'), events: [note('a', '1'), note('a', '2')] }]);
  store.db.exec('DROP TRIGGER events_no_update');
  const row = store.db.prepare<[], { id: string; meta: string }>('SELECT id, meta FROM events WHERE position = 2').get();
  const prev = store.db.prepare<[], { checksum: string }>('SELECT checksum FROM events WHERE position = 1').get();
  const forged = '{"findingId":"a"}';
  const checksum = checksumOf(
    { id: row?.id ?? '', stream: 'finding-a', revision: 1, type: 'FindingNoteAdded', schema: 1, dataJson: forged, metaJson: row?.meta ?? '' },
    prev?.checksum ?? '',
  );
  store.db.prepare('UPDATE events SET data = ?, checksum = ? WHERE position = 2').run(forged, checksum);
  const report = store.verifySync();
  assert.is(report.firstBad?.position, 2);
  assert.is(report.firstBad?.problem, 'invalid data.by: nothing (expected text (at most 10000 characters, no control characters))');
});

Sqlite('two stores on one file see each other and interleave appends without losing any', async () => {
  const path = join(dir, 'shared.db');
  const a = new SqliteEventStore({ path });
  const b = new SqliteEventStore({ path });
  for (let i = 0; i < 50; i += 1) {
    await a.append(findingStream('x'), [note('x', `a${i}`)]);
    await b.append(findingStream('x'), [note('x', `b${i}`)]);
  }
  assert.is(a.streamRevisionSync(findingStream('x')), 99);
  assert.is(b.statsSync().events, 100);
  assert.ok(a.verifySync().ok);
  await a.close();
  await b.close();
});

Sqlite.run();
