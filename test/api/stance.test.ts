import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { get, post, startTestServer, write, writeToken, type TestServer } from '../support/http.js';
import { makeTempDir, removeDir } from '../support/tmp.js';
import { onBackend } from '../support/engine.js';

const Stance = suite(onBackend('api: the original’s /api/state/* routes'));
let dir = '';
let t: TestServer;
Stance.before(() => {
  dir = makeTempDir('api-stance');
});
Stance.before.each(async () => {
  t = await startTestServer(dir);
  const e = t.engine;
  await e.startScan({ scanId: 'scan-001', snapshotId: 'snap-001', accountId: '123456789', region: 'us-east-1' });
  await e.trackFindings([
    { findingId: 'finding-001', assetId: 'asset-001', ruleId: 'rule-001', scanId: 'scan-001' },
    { findingId: 'finding-002', assetId: 'asset-002', ruleId: 'rule-002', scanId: 'scan-001' },
    { findingId: 'finding-003', assetId: 'asset-002', ruleId: 'rule-003', scanId: 'scan-001' },
  ]);
  await e.updateCheckpoint({ collector: 'IAMCollector', accountId: '123456789', region: 'us-east-1', scanId: 'scan-001' });
  t.clock.advance(10);
  await e.completeScan('scan-001', { assetCount: 100, findingCount: 3 });
  await e.startScan({ scanId: 'scan-002', snapshotId: 'snap-002' });
  await e.completeScan('scan-002', { assetCount: 1, findingCount: 0, errorMessage: 'denied' });
});
Stance.after.each(() => t.close());
Stance.after(() => removeDir(dir));

type Json = Record<string, unknown>;
const read = async (path: string) => {
  const r = await get(t.url, `/api/state/${path}`);
  assert.is(r.status, 200, `${path}: ${r.text}`);
  return r.json as Json;
};
const keys = (o: unknown) => Object.keys(o as object).sort();

Stance('scans: {scans, total, filters} with limit, status and days', async () => {
  const all = await read('scans');
  assert.equal(keys(all), ['filters', 'scans', 'total']);
  assert.equal([all.total, all.filters], [2, { limit: 20, status: null, days: null }]);
  const completed = await read('scans?status=completed&limit=10');
  assert.equal((completed.scans as Json[]).map((s) => s.scan_id), ['scan-001']);
  assert.equal(completed.filters, { limit: 10, status: 'completed', days: null });
  const recent = await read('scans?days=7');
  assert.is((recent.filters as Json).days, 7);
});

Stance('scan: the record by scan_id; missing id 400 naming scan_id, unknown 404 saying not found', async () => {
  const scan = await read('scan?scan_id=scan-001');
  assert.equal([scan.scan_id, scan.status, scan.asset_count, scan.finding_count], ['scan-001', 'completed', 100, 3]);
  for (const key of ['snapshot_id', 'started_at', 'completed_at', 'config_name', 'account_id', 'region', 'collectors', 'error_message', 'duration_seconds', 'metadata'])
    assert.ok(key in scan, key);
  const missing = await get(t.url, '/api/state/scan');
  assert.is(missing.status, 400);
  assert.match((missing.json as Json).error as string, 'scan_id');
  const unknown = await get(t.url, '/api/state/scan?scan_id=nonexistent');
  assert.is(unknown.status, 404);
  assert.match(((unknown.json as Json).error as string).toLowerCase(), 'not found');
});

Stance('checkpoints: seven columns, filters; checkpoint: the full record', async () => {
  const list = await read('checkpoints?collector=IAMCollector');
  assert.equal(keys(list), ['checkpoints', 'filters', 'total']);
  assert.equal(list.filters, { collector: 'IAMCollector', account: null, limit: 50 });
  assert.equal(keys((list.checkpoints as Json[])[0]), ['account_id', 'checkpoint_id', 'collector_name', 'cursor', 'last_scan_id', 'last_scan_time', 'region']);
  const none = await read('checkpoints?collector=Other');
  assert.equal([none.total, none.checkpoints], [0, []]);
  const one = await read('checkpoint?collector=IAMCollector&account=123456789&region=us-east-1');
  assert.equal([one.collector_name, one.last_scan_id], ['IAMCollector', 'scan-001']);
  assert.ok('metadata' in one);
  assert.is((await get(t.url, '/api/state/checkpoint?collector=IAMCollector')).status, 400);
  const unknown = await get(t.url, '/api/state/checkpoint?collector=IAM&account=123&region=us-east-1');
  assert.is(unknown.status, 404);
  assert.match(((unknown.json as Json).error as string).toLowerCase(), 'not found');
});

Stance('findings and finding: the original’s to_dict keys, filters by asset_id and lifecycle', async () => {
  const list = await read('findings?asset_id=asset-002&lifecycle=new');
  assert.equal([list.total, list.filters], [2, { asset_id: 'asset-002', lifecycle: 'new', limit: 50 }]);
  const one = await read('finding?finding_id=finding-001');
  for (const key of ['finding_id', 'asset_id', 'rule_id', 'lifecycle', 'first_seen', 'last_seen', 'resolved_at', 'scan_count', 'suppressed_by', 'suppressed_at', 'suppression_reason', 'notes'])
    assert.ok(key in one, key);
  const missing = await get(t.url, '/api/state/finding');
  assert.is(missing.status, 400);
  assert.match((missing.json as Json).error as string, 'finding_id');
  assert.is((await get(t.url, '/api/state/finding?finding_id=nope')).status, 404);
});

Stance('scan-statuses, lifecycles and backends list what the original listed', async () => {
  const statuses = await read('scan-statuses');
  assert.equal([statuses.total, (statuses.statuses as Json[]).map((s) => s.status)], [5, ['pending', 'running', 'completed', 'failed', 'cancelled']]);
  const lifecycles = await read('lifecycles');
  assert.is(lifecycles.total, 6);
  assert.equal(keys((lifecycles.lifecycles as Json[])[0]), ['action', 'description', 'lifecycle']);
  const backends = await read('backends');
  assert.equal((backends.backends as Json[]).map((b) => b.backend), ['local', 'dynamodb', 'firestore', 'cosmosdb']);
  const local = (backends.backends as Json[])[0] as Json;
  // Where the store is: the SQLite file, or the PostgreSQL server, database and schema (never the password).
  const where = t.store.startsWith('sqlite:') ? t.store.slice('sqlite:'.length) : t.engine.backend.location;
  assert.equal([local.available, local.default, local.path], [true, true, where]);
  if (!t.store.startsWith('sqlite:')) {
    const url = new URL(t.store);
    assert.match(where, url.searchParams.get('schema') ?? '?');
    assert.not.match(where, decodeURIComponent(url.password));
  }
});

Stance('finding-stats: counts per lifecycle, total and breakdown with percentages', async () => {
  await t.engine.resolveFinding('finding-001');
  const stats = await read('finding-stats');
  assert.equal(stats.stats, { new: 2, recurring: 0, resolved: 1, reopened: 0, suppressed: 0, false_positive: 0 });
  assert.is(stats.total, 3);
  const resolved = (stats.breakdown as Json[]).find((b) => b.lifecycle === 'resolved');
  assert.equal(resolved, { lifecycle: 'resolved', count: 1, percentage: (1 / 3) * 100 });
});

Stance('stats, status and summary have the original’s sections', async () => {
  const stats = await read('stats');
  assert.equal(keys(stats), ['backends', 'checkpoints', 'enums', 'findings', 'scans']);
  assert.equal(stats.scans, { total: 2, by_status: { pending: 0, running: 0, completed: 1, failed: 1, cancelled: 0 } });
  assert.equal([stats.checkpoints, (stats.findings as Json).total], [{ total: 1 }, 3]);
  assert.equal(stats.enums, { scan_statuses: 5, lifecycle_states: 6 });
  const status = await read('status');
  assert.equal([status.module, status.active_backend, status.backend_exists], ['state', 'local', true]);
  assert.ok((status.capabilities as string[]).includes('scan_tracking'));
  assert.ok('StateManager' in (status.components as Json));
  const summary = await read('summary');
  assert.equal(keys(summary), ['checkpoints', 'features', 'findings', 'latest_scan', 'overview', 'scans']);
  assert.equal(summary.scans, { total: 2, completed: 1, failed: 1, success_rate: 50 });
  assert.equal(summary.findings, { total: 3, active: 3, resolved: 0, suppressed: 0 });
  assert.is((summary.latest_scan as Json).scan_id, 'scan-002');
  assert.ok(((summary.overview as Json).database_size_bytes as number) > 0);
});

Stance('suppress and resolve answer the original’s keys; an unknown finding is 404', async () => {
  const suppressed = await write(t.url, '/api/state/suppress', { finding_id: 'finding-001', by: 'admin', reason: 'False positive' });
  assert.is(suppressed.status, 200);
  assert.equal(suppressed.json, { suppressed: true, finding_id: 'finding-001', suppressed_by: 'admin', reason: 'False positive', lifecycle: 'suppressed' });
  // Without a `by`, whoever authenticated suppressed it (the original wrote "api"); a reason is required now.
  const byDefault = await write(t.url, '/api/state/suppress', { finding_id: 'finding-002', reason: 'accepted' });
  assert.is((byDefault.json as Json).suppressed_by, 'service-token');
  const noReason = await write(t.url, '/api/state/suppress', { finding_id: 'finding-002' });
  assert.equal([noReason.status, (noReason.json as Json).field], [400, 'reason']);
  const resolved = await write(t.url, '/api/state/resolve', { finding_id: 'finding-003' });
  assert.equal([(resolved.json as Json).resolved, (resolved.json as Json).lifecycle], [true, 'resolved']);
  assert.type((resolved.json as Json).resolved_at, 'string');
  const missing = await write(t.url, '/api/state/resolve', {});
  assert.is(missing.status, 400);
  assert.match((missing.json as Json).error as string, 'finding_id');
  const unknown = await write(t.url, '/api/state/suppress', { finding_id: 'nonexistent', reason: 'accepted' });
  assert.is(unknown.status, 404);
  assert.match(((unknown.json as Json).error as string).toLowerCase(), 'not found');
});

Stance('delete-checkpoint answers deleted true, then false (200) like the original', async () => {
  const key = { collector: 'IAMCollector', account: '123456789', region: 'us-east-1' };
  const first = await write(t.url, '/api/state/delete-checkpoint', key);
  assert.equal([first.status, first.json], [200, { deleted: true, ...key }]);
  const second = await write(t.url, '/api/state/delete-checkpoint', key);
  assert.equal([second.status, second.json], [200, { deleted: false, ...key }]);
  assert.is((await write(t.url, '/api/state/delete-checkpoint', {})).status, 400);
});

Stance('POSTs follow the write-token rule', async () => {
  const r = await post(t.url, '/api/state/resolve', { finding_id: 'finding-001' });
  assert.is(r.status, 401);
  const ok = await post(t.url, '/api/state/resolve', { finding_id: 'finding-001' }, { token: writeToken });
  assert.is(ok.status, 200);
});

Stance('unknown and blank parameters are ignored, as the original’s parse_qs did', async () => {
  const r = await read('findings?lifecycle=&limit=2&extra=1&limit=9');
  assert.equal(r.filters, { asset_id: null, lifecycle: null, limit: 2 });
  assert.is((await get(t.url, '/api/state/findings?limit=-1')).status, 400, 'a bad number is 400, not the original’s 500');
});

Stance('a days filter is not cached by position: it has no ETag', async () => {
  const r = await get(t.url, '/api/state/scans?days=1');
  assert.is(r.headers.etag, undefined);
  assert.ok((await get(t.url, '/api/state/scans')).headers.etag);
});

Stance.run();
