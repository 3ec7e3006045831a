import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { projections } from '../../projections/index.js';
import { PostgresBackend } from '../../src/store/postgres/index.js';
import { exited, spawnTs } from '../support/children.js';
import { freshSchema } from '../support/postgres.js';

const Processes = suite('store/postgres-backend: processes on one schema');

Processes("a process reads another process's commits, rows and all, once waitFor returns, woken by its notification", async () => {
  const schema = await freshSchema('procs');
  // Polling every 10 s: only the NOTIFY of each commit can wake the reader in time.
  const reader = await PostgresBackend.open({ url: schema.url, projections, pollMs: 10_000 });
  let writer: ReturnType<typeof spawnTs> | null = null;
  try {
    let ready: () => void = () => undefined;
    const opened = new Promise<void>((resolve) => (ready = resolve));
    writer = spawnTs('./pg-backend-child.ts', [schema.url, 'w'], (line) => line === 'ready' && ready(), {}, { input: true });
    await opened;
    // One event a commit on a fresh schema: the k-th commit lands at position k + 1. The reader waits first, then
    // asks for the commit; its wait is shorter than the poll, so only the commit's NOTIFY can end it in time.
    for (let k = 0; k < 20; k += 1) {
      const started = Date.now();
      const waiting = reader.waitFor(k + 1, 3000);
      writer.stdin?.write('next\n');
      assert.ok(await waiting, `position ${k + 1} seen`);
      // Woken by the commit, not by the timeout's last look at the head.
      assert.ok(Date.now() - started < 2500, `position ${k + 1} took ${Date.now() - started} ms`);
      const rows = await reader.models.rows({ table: 'findings', where: [{ column: 'finding_id', op: '=', value: `w-${k}` }] });
      assert.is(rows[0]?.position, k + 1);
    }
    writer.stdin?.write('end\n');
    assert.is((await exited(writer)).code, 0);
    assert.is((await reader.models.count({ table: 'findings' }))[0]?.n, 20);
  } finally {
    if (writer !== null && writer.exitCode === null && writer.signalCode === null) writer.kill('SIGKILL');
    await reader.close();
    await schema.drop();
  }
});

Processes.run();
