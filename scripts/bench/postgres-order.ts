/**
 * `node --import tsx scripts/bench/postgres-order.ts [--quick] [--repeat N] [--json <file>]`
 *
 * What the PostgreSQL log's global order costs (src/store/postgres/store.ts: positions under a per-schema advisory
 * lock held from the insert to the commit):
 * 1. append throughput with 1 and 4 writer processes on different streams, with the order lock (`locked`, the
 *    store) and without it (`unlocked`, unsafe: readers can skip late commits), for commits of 10 and of 1 event;
 * 2. how long a subscriber waits while a 10,000-event import commits: the import's own time, and a small append
 *    another process makes while the import holds the lock (its append latency, and when the subscriber sees it);
 * 3. the same while another deployment's schema in the same database holds a long transaction open, with, for
 *    comparison, when a reader following the other rule (`transaction_id < pg_snapshot_xmin(pg_current_snapshot())`)
 *    could first have seen the import.
 * Uses STANCE_BENCH_POSTGRES_URL, else starts an embedded server (default settings: fsync and synchronous_commit
 * on). Every writer is its own process (`--child`), started together. Each case runs `--repeat` times (default 3)
 * and reports the median, with the range. A script, not a test: it asserts nothing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { type SubscriptionItem } from '../../src/store/index.js';
import { PostgresEventStore } from '../../src/store/postgres/index.js';
import { startEmbeddedPostgres } from '../../test/support/embedded-postgres.js';

const args = process.argv.slice(2);
const self = fileURLToPath(import.meta.url);

const note = (finding: string, text: string) => ({
  type: 'FindingNoteAdded',
  data: { findingId: finding, by: 'bench', text, at: '2026-01-01T00:00:00.000Z' },
});
const say = (line: unknown) => process.stdout.write(`${typeof line === 'string' ? line : JSON.stringify(line)}\n`);
const waitForGo = () =>
  new Promise<void>((resolve) => {
    const lines = createInterface({ input: process.stdin });
    lines.on('line', (line) => {
      if (line !== 'go') return;
      lines.close();
      process.stdin.destroy();
      resolve();
    });
  });

/** Child roles: each opens its store, says `ready`, waits for `go`, works, prints one JSON line. */
const child = async (role: string, url: string, rest: string[]): Promise<void> => {
  const ordering = process.env.BENCH_ORDERING === 'unlocked' ? ('unlocked' as const) : ('locked' as const);
  const store = await PostgresEventStore.open({ url, ordering, poolSize: 2 });
  try {
    if (role === 'writer') {
      const [label = 'w', commitsText = '100', batchText = '10'] = rest;
      const commits = Number(commitsText);
      const batch = Number(batchText);
      say('ready');
      await waitForGo();
      const start = Date.now();
      for (let c = 0; c < commits; c += 1) {
        const finding = `${label}-${c % 50}`;
        await store.append(`finding-${finding}`, Array.from({ length: batch }, (_, i) => note(finding, `${c}:${i}`)));
      }
      say({ start, end: Date.now(), events: commits * batch, commits });
    } else if (role === 'import') {
      const [file = ''] = rest;
      const events = JSON.parse(readFileSync(file, 'utf8')) as unknown[];
      say('ready');
      await waitForGo();
      const start = Date.now();
      let xid = '';
      const outcome = await store.importEvents(events, { foldCap: null, clockLimit: Date.UTC(2100, 0, 1) }, {
        inTransaction: async (client) => {
          xid = (await client.query<{ x: string }>('SELECT pg_current_xact_id()::text AS x')).rows[0]?.x ?? '';
        },
      });
      say({ start, ack: Date.now(), imported: outcome.imported.length, last: outcome.imported.at(-1)?.position ?? 0, xid });
    } else if (role === 'one') {
      say('ready');
      await waitForGo();
      const start = Date.now();
      const result = await store.append('finding-small', [note('small', 'during the import')]);
      say({ start, ack: Date.now(), position: result.position });
    } else throw new Error(`unknown role ${role}`);
  } finally {
    await store.close();
  }
};

interface Proc {
  readonly process: ChildProcess;
  readonly ready: Promise<void>;
  readonly result: Promise<Record<string, number | string>>;
  go(): void;
}

const start = (role: string, url: string, rest: string[], env: NodeJS.ProcessEnv = {}): Proc => {
  const proc = spawn(process.execPath, ['--import', 'tsx', self, '--child', role, url, ...rest], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let readyResolve = () => undefined as void;
  let resultResolve = (_: Record<string, number | string>) => undefined as void;
  const ready = new Promise<void>((resolve) => (readyResolve = resolve));
  const result = new Promise<Record<string, number | string>>((resolve, reject) => {
    resultResolve = resolve;
    proc.on('exit', (code) => (code === 0 ? undefined : reject(new Error(`${role} exited with ${code}`))));
  });
  createInterface({ input: proc.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    if (line === 'ready') readyResolve();
    else if (line.startsWith('{')) resultResolve(JSON.parse(line) as Record<string, number | string>);
  });
  return { process: proc, ready, result, go: () => proc.stdin?.write('go\n') };
};

const schemaUrl = (server: string, schema: string) => {
  const u = new URL(server);
  u.search = '';
  u.searchParams.set('schema', schema);
  return u.toString();
};

const admin = async <T>(server: string, body: (c: pg.Client) => Promise<T>): Promise<T> => {
  const u = new URL(server);
  u.search = '';
  const client = new pg.Client({ connectionString: u.toString() });
  await client.connect();
  try {
    return await body(client);
  } finally {
    await client.end();
  }
};

let schemaCounter = 0;
const freshSchema = (server: string, label: string) => {
  schemaCounter += 1;
  return `bench_${label}_${process.pid}_${schemaCounter}`;
};

/** Case 1: writers on different streams, all started at once. */
const throughput = async (server: string, writers: number, ordering: 'locked' | 'unlocked', commits: number, batch: number) => {
  const schema = freshSchema(server, 'tp');
  const url = schemaUrl(server, schema);
  await (await PostgresEventStore.open({ url })).close();
  const procs = Array.from({ length: writers }, (_, w) => start('writer', url, [`w${w}`, String(commits), String(batch)], { BENCH_ORDERING: ordering }));
  await Promise.all(procs.map((p) => p.ready));
  for (const p of procs) p.go();
  const results = await Promise.all(procs.map((p) => p.result));
  await admin(server, (c) => c.query(`DROP SCHEMA "${schema}" CASCADE`));
  const first = Math.min(...results.map((r) => Number(r.start)));
  const last = Math.max(...results.map((r) => Number(r.end)));
  const events = results.reduce((n, r) => n + Number(r.events), 0);
  const seconds = (last - first) / 1000;
  return { case: 'append', ordering, writers, eventsPerCommit: batch, events, seconds, eventsPerSecond: Math.round(events / seconds), commitsPerSecond: Math.round((events / batch) / seconds) };
};

/** A spoke's log of `count` events in 1,000 streams, as another replica would export it (no positions). */
const spokeEvents = async (server: string, count: number): Promise<{ file: string; dir: string }> => {
  const schema = freshSchema(server, 'spoke');
  const store = await PostgresEventStore.open({ url: schemaUrl(server, schema), origin: 'spoke-bench' });
  try {
    for (let i = 0; i < count; i += 1000)
      await store.appendMany(Array.from({ length: 1000 }, (_, s) => ({ stream: `finding-s${s}`, events: [note(`s${s}`, `${i}`)] })).slice(0, count - i));
    const events = [];
    for await (const { position: _, ...e } of store.readAll()) events.push(e);
    const dir = mkdtempSync(join(tmpdir(), 'bench-import-'));
    const file = join(dir, 'events.json');
    writeFileSync(file, JSON.stringify(events));
    return { file, dir };
  } finally {
    await store.close();
    await admin(server, (c) => c.query(`DROP SCHEMA "${schema}" CASCADE`));
  }
};

/** Holds a transaction with an xid open in another deployment's schema of the same database, until released. */
const longTransaction = async (server: string) => {
  const schema = freshSchema(server, 'other');
  const store = await PostgresEventStore.open({ url: schemaUrl(server, schema), origin: 'other-deployment' });
  let release = () => undefined as void;
  let inside = () => undefined as void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const entered = new Promise<void>((resolve) => (inside = resolve));
  const done = store.commit([{ stream: 'finding-other', events: [note('other', 'long')] }], {
    inTransaction: async () => {
      inside();
      await gate;
    },
  });
  await entered;
  return {
    end: async () => {
      release();
      await done;
      await store.close();
      await admin(server, (c) => c.query(`DROP SCHEMA "${schema}" CASCADE`));
    },
  };
};

/** Case 2/3: a subscriber (this process) while an import child commits 10,000 events and another child appends one. */
const importWait = async (server: string, file: string, count: number, withLongTransaction: boolean) => {
  const long = withLongTransaction ? await longTransaction(server) : null;
  const longStarted = Date.now();
  const schema = freshSchema(server, 'imp');
  const url = schemaUrl(server, schema);
  const subscriber = await PostgresEventStore.open({ url, pollMs: 1000 });
  const seen = new Map<number, number>();
  const subscription = subscriber.subscribe();
  let caughtUp = () => undefined as void;
  const ready = new Promise<void>((resolve) => (caughtUp = resolve));
  const reading = (async () => {
    for await (const item of subscription as AsyncIterable<SubscriptionItem>) {
      if (item.kind === 'caught_up') caughtUp();
      else seen.set(item.event.position, Date.now());
    }
  })();
  await ready;
  const importer = start('import', url, [file]);
  const small = start('one', url, []);
  await Promise.all([importer.ready, small.ready]);
  importer.go();
  // The small append starts once the import holds the order lock (inserting its rows or committing).
  const orderKey = subscriber.names.orderLock.split(', ').map(Number);
  await admin(server, async (c) => {
    for (;;) {
      const { rowCount } = await c.query(
        "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid::bigint = $1 AND objid::bigint = ($2::bigint & 4294967295)",
        orderKey,
      );
      if ((rowCount ?? 0) > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  });
  small.go();
  const imp = await importer.result;
  // From the import's acknowledgement on, in parallel: when the subscriber (lock rule) has the import and the small
  // append, and when a reader following the xmin rule could first see the import (once no transaction older than it
  // runs). The other deployment's transaction ends 3 s after it began (a long report, a slow migration step).
  const xminVisible = admin(server, async (c) => {
    const visible = async () =>
      (await c.query<{ ok: boolean }>('SELECT $1::xid8 < pg_snapshot_xmin(pg_current_snapshot()) AS ok', [imp.xid])).rows[0]?.ok === true;
    let ended = long === null;
    while (!(await visible())) {
      if (!ended && Date.now() >= longStarted + 3000) {
        ended = true;
        await long?.end();
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const at = Date.now();
    if (!ended) await long?.end();
    return at;
  });
  const one = await small.result;
  const lastImported = Number(imp.last);
  const deadline = Date.now() + 60_000;
  while ((!seen.has(lastImported) || !seen.has(Number(one.position))) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 1));
  const xminAt = await xminVisible;
  await subscription.close();
  await reading;
  await subscriber.close();
  await admin(server, (c) => c.query(`DROP SCHEMA "${schema}" CASCADE`));
  const received = seen.get(lastImported) ?? Number.NaN;
  const firstReceived = Math.min(...[...seen].filter(([position]) => position <= lastImported).map(([, at]) => at));
  const smallReceived = seen.get(Number(one.position)) ?? Number.NaN;
  return {
    case: withLongTransaction ? "import 10k while another schema's transaction is open" : 'import 10k',
    events: count,
    importMs: Number(imp.ack) - Number(imp.start),
    subscriberFirstAfterImportAckMs: firstReceived - Number(imp.ack),
    subscriberAfterImportAckMs: received - Number(imp.ack),
    subscriberFromImportStartMs: received - Number(imp.start),
    smallAppendLatencyMs: Number(one.ack) - Number(one.start),
    subscriberAfterSmallAppendStartMs: smallReceived - Number(one.start),
    xminRuleVisibleAfterImportAckMs: xminAt - Number(imp.ack),
  };
};

const main = async () => {
  const quick = args.includes('--quick');
  const jsonAt = args.indexOf('--json');
  const given = process.env.STANCE_BENCH_POSTGRES_URL;
  const server = given ? { url: given, stop: async () => undefined } : await startEmbeddedPostgres();
  const rows: Record<string, unknown>[] = [];
  try {
    const version = await admin(server.url, async (c) => (await c.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v);
    const settings = await admin(server.url, async (c) =>
      (await c.query<{ name: string; setting: string }>("SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'shared_buffers')")).rows,
    );
    process.stderr.write(`PostgreSQL ${version}; ${settings.map((s) => `${s.name}=${s.setting}`).join(' ')}; ${cpus().length} cores (${cpus()[0]?.model}), load ${loadavg().map((l) => l.toFixed(1)).join(' ')}, Node ${process.version}\n`);
    const commits = quick ? 100 : 400;
    const repeat = Number(args[args.indexOf('--repeat') + 1] ?? 3) || 3;
    const runs = async <R extends Record<string, unknown>>(make: () => Promise<R>, key: keyof R & string): Promise<Record<string, unknown>> => {
      const all: R[] = [];
      for (let i = 0; i < (quick ? 1 : repeat); i += 1) {
        all.push(await make());
        process.stderr.write(`  ${JSON.stringify(all.at(-1))}\n`);
      }
      const sorted = [...all].sort((a, b) => Number(a[key]) - Number(b[key]));
      const median = sorted[Math.floor(sorted.length / 2)] as R;
      return { ...median, [`${key}Range`]: `${sorted[0]?.[key]}-${sorted.at(-1)?.[key]}` };
    };
    for (const batch of [100, 10, 1])
      for (const ordering of ['locked', 'unlocked'] as const)
        for (const writers of [1, 4]) {
          const perWriter = batch === 100 ? commits / 4 : batch === 1 ? commits * 2 : commits;
          const row = await runs(() => throughput(server.url, writers, ordering, perWriter, batch), 'eventsPerSecond');
          rows.push(row);
          process.stderr.write(`${JSON.stringify(row)}\n`);
        }
    const count = 10_000;
    const spoke = await spokeEvents(server.url, count);
    try {
      for (const long of [false, true]) {
        const row = await runs(() => importWait(server.url, spoke.file, count, long), 'subscriberAfterSmallAppendStartMs');
        rows.push(row);
        process.stderr.write(`${JSON.stringify(row)}\n`);
      }
    } finally {
      rmSync(spoke.dir, { recursive: true, force: true });
    }
  } finally {
    await server.stop();
  }
  const table = rows.map((r) => Object.entries(r).map(([k, v]) => `${k}=${v}`).join(' ')).join('\n');
  say(table);
  if (jsonAt >= 0 && args[jsonAt + 1] !== undefined)
    writeFileSync(args[jsonAt + 1] as string, JSON.stringify({ date: new Date().toISOString(), node: process.version, cores: cpus().length, rows }, null, 2));
};

if (args[0] === '--child') await child(args[1] ?? '', args[2] ?? '', args.slice(3));
else await main();
