/**
 * `node --import tsx scripts/bench/states.ts [--states N] [--sessions N] [--store sqlite|<url>]`: typed-state search
 * from the read model against a filter over every state (what search would cost without its index), and session
 * saves, checkpoints and loads of 1 MiB documents, gzip only and sealed. A script, not a test.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { matches, parseCondition } from '../../src/domain/index.js';
import type { JsonRecord } from '../../src/events/index.js';
import { openEngine } from '../../src/open.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
};
const states = Number(option('--states', '20000'));
const sessions = Number(option('--sessions', '30'));
const store = option('--store', 'sqlite');
const dir = mkdtempSync(join(tmpdir(), 'bench-states-'));
const open = (name: string, key: Buffer | null = null) =>
  openEngine({ store: store === 'sqlite' ? `sqlite:${join(dir, `${name}.db`)}` : store, durability: 'normal', origin: 'bench', bodies: { key } });
const ms = (started: bigint) => Number(process.hrtime.bigint() - started) / 1e6;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const rows: string[][] = [];
const row = (...cells: (string | number)[]) => rows.push(cells.map(String));

try {
  const engine = await open('states');
  let started = process.hrtime.bigint();
  for (let i = 0; i < states; i += 1)
    await engine.states.register({
      stateId: `t-${String(i).padStart(6, '0')}`,
      type: 'transaction',
      data: { amount: i % 1000, currency: ['EUR', 'USD', 'GBP'][i % 3] as string, customer: { id: `c-${i % 200}`, tier: i % 7 === 0 ? 'gold' : 'basic' } },
    });
  row('register', `${states} states`, `${((states / ms(started)) * 1000).toFixed(0)} states/s`, '');
  const queries: [string, string[]][] = [
    ['equality, 0.5%', ['data.customer.id=c-42']],
    ['range, 2%', ['data.amount>=980']],
    ['equality and range', ['data.currency=EUR', 'data.amount<30']],
    ['!= only, 67%', ['data.currency!=EUR']],
  ];
  for (const [label, where] of queries) {
    const times: number[] = [];
    let found = 0;
    for (let k = 0; k < 20; k += 1) {
      started = process.hrtime.bigint();
      found = (await engine.states.search({ type: 'transaction', where, limit: 100 })).states.length;
      times.push(ms(started));
    }
    // Without the index: every state of the type read and filtered (paged by id, 5,000 at a time).
    const conditions = where.map((w) => parseCondition(w));
    started = process.hrtime.bigint();
    let scanned = 0;
    for (let after: string | undefined; ; ) {
      const page = await engine.states.list({ type: 'transaction', limit: 5000, after });
      scanned += page.states.filter((s) => matches(s.data as JsonRecord, conditions)).length;
      if (page.next === null) break;
      after = page.next;
    }
    row(`search: ${label}`, `first ${found} of ${scanned}`, `${median(times).toFixed(2)} ms (median of 20)`, `filter over all: ${ms(started).toFixed(0)} ms`);
  }
  await engine.close();

  for (const [label, key] of [['gzip', null], ['gzip + AES-256-GCM', randomBytes(32)]] as const) {
    const s = await open(`sessions-${label.length}`, key);
    const doc = (n: number) => ({ step: n, branches: Array.from({ length: 2000 }, (_, i) => ({ id: `b-${i}`, memory: randomBytes(256).toString('base64'), note: 'stable text '.repeat(10) })) });
    const size = Buffer.byteLength(JSON.stringify(doc(0)));
    const saves: number[] = [];
    const checkpoints: number[] = [];
    const loads: number[] = [];
    for (let n = 0; n < sessions; n += 1) {
      const d = doc(n);
      started = process.hrtime.bigint();
      await s.sessions.save('run', d);
      saves.push(ms(started));
      started = process.hrtime.bigint();
      await s.sessions.createCheckpoint('run', d);
      checkpoints.push(ms(started));
      started = process.hrtime.bigint();
      await s.sessions.load('run');
      loads.push(ms(started));
    }
    const stats = await s.sessions.stats();
    row(`session ${label}`, `${(size / 1048576).toFixed(2)} MiB documents`, `save ${median(saves).toFixed(1)} ms, checkpoint ${median(checkpoints).toFixed(1)} ms, load ${median(loads).toFixed(1)} ms`, `stored/raw ${(stats.bytes_stored / stats.bytes_raw).toFixed(2)}`);
    await s.close();
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => r[i]?.length ?? 0))) ?? [];
  for (const r of rows) process.stdout.write(`${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')}\n`);
  process.stdout.write(`node ${process.version}, ${new Date().toISOString().slice(0, 10)}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
