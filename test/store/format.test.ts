import { sqliteEngine, sqliteOf } from '../support/backend.js';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { StateEngine } from '../../src/engine/index.js';
import { SqliteEventStore, logFormat } from '../../src/store/index.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

/** A data dir written by the previous release (log format 1), committed as a fixture, opens and keeps working. */
const Format = suite('store/sqlite: a log written by the previous release');
let dir = '';
Format.before.each(() => {
  dir = makeTempDir('format');
  copyFileSync(new URL('../fixtures/format-1/stance.db', import.meta.url), join(dir, 'stance.db'));
});
Format.after.each(() => removeDir(dir));

const formatOf = (store: SqliteEventStore) =>
  store.db.prepare<[], { value: string }>("SELECT value FROM store_meta WHERE key = 'format'").get()?.value;

Format('opens migrated in place to the current format, with its state, chain and jobs as they were', async () => {
  const engine = sqliteEngine({ path: join(dir, 'stance.db') });
  const store = sqliteOf(engine);
  assert.is(formatOf(store), String(logFormat));
  assert.equal([(await engine.getFindingState('f1'))?.lifecycle, (await engine.getFindingState('f2'))?.notes], ['suppressed', ['looking']]);
  assert.is((await engine.getScan('s1'))?.status, 'completed');
  assert.is((await engine.jobs.get('nightly'))?.command, 'echo scan');
  assert.is((await engine.getCheckpoint('iam', '111111111111', 'us-east-1'))?.cursor, 'c1');
  assert.ok(store.verifySync().ok);
  // It takes new events, and an id is now unique per origin only.
  const [first] = [...store.readAllSync()];
  store.appendSync([{ stream: 'finding-f2', events: [{ type: 'FindingNoteAdded', data: { findingId: 'f2', by: 'dev', text: 'after the upgrade', at: '2026-06-02T00:00:00.000Z' } }] }]);
  const indexes = store.db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'").all().map((r) => r.name);
  assert.ok(indexes.includes('events_by_origin_id') && !indexes.includes('events_by_id'), indexes.join(' '));
  assert.is(first?.meta.origin, 'fixture-origin');
  assert.equal((await engine.getFindingState('f2'))?.notes, ['looking', 'after the upgrade']);
  assert.ok(store.verifySync().ok);
  await engine.close();
  // Once migrated, opening again changes nothing.
  const again = new SqliteEventStore({ path: join(dir, 'stance.db') });
  assert.is(formatOf(again), String(logFormat));
  assert.ok(again.verifySync().ok);
  await again.close();
});

Format.run();
