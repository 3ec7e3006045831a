import { sqliteEngine, sqliteOf } from '../support/backend.js';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { StateEngine } from '../../src/engine/index.js';
import type { ConflictPolicy } from '../../src/events/index.js';
import { fileHub, setTrustDocument, sync, type HubStorage } from '../../src/sync/index.js';
import { noSecurity } from '../support/replicas.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

/**
 * SQLite only: a spoke restored from a copy of its database file (the WAL checkpointed first, then the file copied,
 * as a backup tool does). A PostgreSQL schema is restored by the server's own tools, not by copying a file.
 */
const Restore = suite('store/sqlite: a spoke restored from a backup copy of its file');
let dir = '';
Restore.before(() => {
  dir = makeTempDir('sqlite-restore');
});
Restore.after(() => removeDir(dir));

const round = async (engines: StateEngine[], hub: HubStorage, policy: ConflictPolicy, clock: () => number) => {
  for (const pass of [0, 1])
    for (const [i, engine] of engines.entries())
      assert.equal((await sync(engine, hub, { direction: 'bidirectional', policy, batchSize: 50, security: noSecurity, central: i === 0, clock })).errors, [], `pass ${pass}`);
};

Restore('a history that diverged (a spoke restored from an old backup) is recorded with both checksums, never overwritten', async () => {
  const now = { ms: Date.UTC(2026, 2, 1) };
  const clock = () => now.ms;
  const open = (origin: string) => sqliteEngine({ path: join(dir, `${origin}.db`), origin, clock, durability: 'normal' });
  const w = { central: open('central'), spoke: open('spoke'), hub: fileHub({ root: join(dir, 'hub') }) };
  // Which origin is central is each replica's own configuration: a batch's claim to be central counts for nothing.
  for (const engine of [w.central, w.spoke]) await setTrustDocument(engine, { central: 'central' }, clock());
  await w.spoke.trackFinding({ findingId: 'f1', assetId: 'a', ruleId: 'r' });
  await round([w.central, w.spoke], w.hub, 'latest_wins', clock);
  const backup = join(dir, 'backup.db');
  sqliteOf(w.spoke).db.pragma('wal_checkpoint(TRUNCATE)');
  copyFileSync(sqliteOf(w.spoke).path, backup);
  now.ms += 60_000;
  await w.spoke.addFindingNote('f1', { by: 'owner', text: 'before the disk died' });
  await round([w.central, w.spoke], w.hub, 'latest_wins', clock);
  await w.spoke.close();
  // The restored spoke writes other events under the revisions it had already used.
  const restored = sqliteEngine({ path: backup, clock, durability: 'normal' });
  now.ms += 60_000;
  await restored.resolveFinding('f1', { by: 'owner', reason: 'after the restore' });
  await restored.addFindingNote('f1', { by: 'owner', text: 'second' });
  // Pushing to the hub it used before: the hub holds other events under the same names, so nothing is pushed.
  const refused = await sync(restored, w.hub, { direction: 'push', policy: 'latest_wins', batchSize: 2, security: noSecurity, clock });
  assert.is(refused.success, false);
  assert.match(refused.errors.join('\n'), /history diverged from what it pushed before/);
  // Through a second hub the restored history does reach the central, which has the first one.
  const other = fileHub({ root: join(dir, 'hub-b') });
  assert.equal((await sync(restored, other, { direction: 'push', policy: 'latest_wins', batchSize: 2, security: noSecurity, clock })).errors, []);
  const pulled = await sync(w.central, other, { direction: 'pull', policy: 'latest_wins', batchSize: 50, security: noSecurity, clock });
  assert.is(pulled.conflicts_resolved, 1);
  assert.match(pulled.errors.join('\n'), /^diverged: finding-f1 revision \d+ of spoke differs/);
  const records = [...sqliteOf(w.central).readAllSync({ filter: { types: ['SyncConflictResolved'] } })].map((e) => e.data as Record<string, unknown>);
  assert.is(records.length, 1);
  assert.equal([records[0]?.stream, records[0]?.origin, records[0]?.policy, records[0]?.kept], ['finding-f1', 'spoke', 'latest_wins', 'local']);
  assert.match(String(records[0]?.localChecksum), /^[0-9a-f]{64}$/);
  assert.match(String(records[0]?.remoteChecksum), /^[0-9a-f]{64}$/);
  assert.is.not(records[0]?.localChecksum, records[0]?.remoteChecksum);
  // The central still holds what it had: the note written before the disk died.
  assert.equal((await w.central.getFindingState('f1'))?.notes, ['before the disk died']);
  assert.ok(sqliteOf(w.central).verifySync().ok);
  await restored.close();
  await w.central.close();
});

Restore.run();
