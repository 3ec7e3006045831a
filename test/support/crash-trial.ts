import { join } from 'node:path';
import { SqliteEventStore } from '../../src/store/index.js';
import { batchPlan } from './batch-plan.js';
import { exited, spawnTs } from './children.js';

export interface TrialResult {
  readonly acked: number;
  /** Problems found after reopening; empty when every acknowledged batch is whole and nothing is partial. */
  readonly problems: string[];
}

const maxBatch = 25;

/**
 * One crash trial: `writers` processes append batches to one file; each is killed with SIGKILL at a random moment
 * after its first acknowledgement. Then the file is reopened and checked: every acknowledged batch present whole,
 * no batch present in part, nothing beyond the one batch in flight, and `verify()` sound.
 */
export const crashTrial = async (dir: string, trial: number, random: () => number, writers = 2): Promise<TrialResult> => {
  const db = join(dir, `crash-${trial}.db`);
  // Create the file first, so the writers do not race to create the schema (that race has its own test).
  await new SqliteEventStore({ path: db }).close();
  const labels = Array.from({ length: writers }, (_, w) => `t${trial}w${w}`);
  const acked = new Map(labels.map((l) => [l, -1]));
  const children = labels.map((label) => {
    let armed = false;
    const child = spawnTs('./append-child.ts', [db, label, '1000000', String(maxBatch)], (line) => {
      const m = /^ack (\d+)$/.exec(line);
      if (m === null) return;
      acked.set(label, Number(m[1]));
      if (!armed) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), Math.floor(random() * 250));
      }
    });
    return child;
  });
  const exits = await Promise.all(children.map(exited));
  const problems: string[] = [];
  exits.forEach((e, i) => {
    if (e.signal !== 'SIGKILL') problems.push(`writer ${i} exited with ${e.code ?? e.signal} before it was killed`);
  });
  const store = new SqliteEventStore({ path: db });
  try {
    const present = store.db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM events WHERE id = ?');
    for (const label of labels) {
      const last = acked.get(label) ?? -1;
      for (let k = 0; k <= last + 2; k += 1) {
        const { ids } = batchPlan(label, k, maxBatch);
        const found = ids.filter((id) => present.get(id)?.n === 1).length;
        if (k <= last && found !== ids.length) problems.push(`${label} batch ${k} acknowledged but ${found}/${ids.length} present`);
        if (found !== 0 && found !== ids.length) problems.push(`${label} batch ${k} partly present: ${found}/${ids.length}`);
        if (k > last + 1 && found > 0) problems.push(`${label} batch ${k} present though never sent`);
      }
    }
    const report = store.verifySync();
    if (!report.ok) problems.push(`verify: ${JSON.stringify(report.firstBad ?? report.problems)}`);
  } finally {
    await store.close();
  }
  return { acked: [...acked.values()].reduce((a, b) => a + b + 1, 0), problems };
};
