import { statSync } from 'node:fs';
import * as t from 'io-ts';
import type { FindingStats } from '../engine/index.js';
import { InvalidInput } from '../errors.js';
import { Id, instantOf, Lifecycle, ScanStatus, ScopeName } from '../events/index.js';
import { HttpError } from './errors.js';
import { IntFromString, optional } from '../events/index.js';
import { defineRoute, json, type Route } from './route.js';
import { backends, features, lifecycles, moduleStatus, scanStatuses } from './stance-catalog.js';

/*
 * The original's GET /api/state/* routes: same parameters, same keys. Where it answered 200 with {"error": ...}
 * (or 500 on a bad number) these answer 400 or 404, keeping an `error` string that names the parameter or says
 * "not found" as its did. Counts come from the read models, uncapped (it counted within 1,000 scans and 10,000
 * findings per lifecycle).
 */

const lifecycleNames = ['new', 'recurring', 'resolved', 'reopened', 'suppressed', 'false_positive'] as const;
const Limit = IntFromString('a count (1-10000)', 1, 10_000);
const Days = IntFromString('a number of days (0-36500)', 0, 36_500);
const CheckpointKey = t.strict({ collector: optional(Id), account: optional(ScopeName), region: optional(ScopeName) });

const required = <T>(value: T | undefined, field: string): T => {
  if (value === undefined) throw new InvalidInput(field, undefined, `the ${field} parameter (required)`);
  return value;
};

const byLifecycle = (s: FindingStats) =>
  Object.fromEntries(lifecycleNames.map((l) => [l, s[l]])) as Record<(typeof lifecycleNames)[number], number>;

const get = <P extends t.Props>(
  name: string,
  query: t.ExactC<t.TypeC<P>>,
  handle: Parameters<typeof defineRoute<P>>[0]['handle'],
  etag: boolean | ((q: URLSearchParams) => boolean) = true,
): Route => {
  const path = `/api/state/${name}`;
  return defineRoute({ method: 'GET', path, access: 'read', reads: true, exact: false, etag, query, handle });
};

const none = t.strict({});

export const stanceReadRoutes: readonly Route[] = [
  get(
    'scans',
    t.strict({ limit: optional(Limit), status: optional(ScanStatus), days: optional(Days) }),
    async ({ engine, now }, q) => {
      const limit = q.limit ?? 20;
      const since = q.days === undefined ? undefined : instantOf(now() - q.days * 86_400_000);
      const scans = await engine.listScans({ limit, status: q.status, since });
      return json({ scans, total: scans.length, filters: { limit, status: q.status ?? null, days: q.days ?? null } });
    },
    // `days` counts back from now: the same URL at the same position can answer differently tomorrow.
    (query) => !query.has('days'),
  ),
  get('scan', t.strict({ scan_id: optional(Id) }), async ({ engine }, q) => {
    const id = required(q.scan_id, 'scan_id');
    const scan = await engine.getScan(id);
    if (scan === null) throw new HttpError(404, `Scan not found: ${id}`);
    return json(scan);
  }),
  get('checkpoints', t.strict({ collector: optional(Id), account: optional(ScopeName), limit: optional(Limit) }), async (ctx, q) => {
    const limit = q.limit ?? 50;
    const all = await ctx.engine.listCheckpoints({ collector: q.collector, accountId: q.account });
    // The original's order and its seven columns (no metadata).
    const checkpoints = [...all]
      .sort((a, b) => (a.last_scan_time < b.last_scan_time ? 1 : a.last_scan_time > b.last_scan_time ? -1 : 0))
      .slice(0, limit)
      .map(({ metadata: _, ...rest }) => rest);
    return json({
      checkpoints,
      total: checkpoints.length,
      filters: { collector: q.collector ?? null, account: q.account ?? null, limit },
    });
  }),
  get('checkpoint', CheckpointKey, async ({ engine }, q) => {
    const collector = required(q.collector, 'collector');
    const account = required(q.account, 'account');
    const region = required(q.region, 'region');
    const checkpoint = await engine.getCheckpoint(collector, account, region);
    if (checkpoint === null) throw new HttpError(404, `Checkpoint not found for ${collector}/${account}/${region}`);
    return json(checkpoint);
  }),
  get('findings', t.strict({ asset_id: optional(Id), lifecycle: optional(Lifecycle), limit: optional(Limit) }), async (ctx, q) => {
    const limit = q.limit ?? 50;
    const page = await ctx.engine.listFindingStates({ assetId: q.asset_id, lifecycle: q.lifecycle, limit });
    return json({
      findings: page.findings,
      total: page.findings.length,
      filters: { asset_id: q.asset_id ?? null, lifecycle: q.lifecycle ?? null, limit },
    });
  }, false), // records carry sla_breached, which turns with the clock: no position ETag
  get('finding', t.strict({ finding_id: optional(Id) }), async ({ engine }, q) => {
    const id = required(q.finding_id, 'finding_id');
    const finding = await engine.getFindingState(id);
    if (finding === null) throw new HttpError(404, `Finding not found: ${id}`);
    return json(finding);
  }, false),
  get('scan-statuses', none, async () => json({ statuses: scanStatuses, total: scanStatuses.length })),
  get('lifecycles', none, async () => json({ lifecycles, total: lifecycles.length })),
  get('backends', none, async ({ engine }) => {
    const list = backends(engine.backend.location);
    return json({ backends: list, total: list.length });
  }),
  get('finding-stats', none, async ({ engine }) => {
    const stats = byLifecycle(await engine.getFindingStats());
    const total = Object.values(stats).reduce((a, b) => a + b, 0);
    const breakdown = Object.entries(stats).map(([lifecycle, count]) => ({
      lifecycle,
      count,
      percentage: total > 0 ? (count / total) * 100 : 0,
    }));
    return json({ stats, total, breakdown });
  }),
  get('stats', none, async ({ engine }) => {
    // Every read starts before the first await: they run in the route's one read snapshot.
    const byStatus = await engine.countScansByStatus();
    const checkpoints = await engine.countCheckpoints();
    const stats = byLifecycle(await engine.getFindingStats());
    return json({
      scans: { total: Object.values(byStatus).reduce((a, b) => a + b, 0), by_status: byStatus },
      checkpoints: { total: checkpoints },
      findings: { total: Object.values(stats).reduce((a, b) => a + b, 0), by_lifecycle: stats },
      backends: { available: 1, active: 'local' },
      enums: { scan_statuses: scanStatuses.length, lifecycle_states: lifecycles.length },
    });
  }),
  get(
    'status',
    none,
    async ({ engine }) => json(moduleStatus(engine.backend.location, (await engine.backend.log.stats()).bytes > 0)),
    // Whether the file exists is not a function of the position.
    false,
  ),
  get(
    'summary',
    none,
    async ({ engine }) => {
      const byStatus = await engine.countScansByStatus();
      const latest = (await engine.listScanPage({ limit: 1 })).scans[0] ?? null;
      const checkpoints = await engine.countCheckpoints();
      const stats = byLifecycle(await engine.getFindingStats());
      const total = Object.values(byStatus).reduce((a, b) => a + b, 0);
      return json({
        overview: {
          description: 'State management for scans, checkpoints, and finding lifecycle',
          active_backend: 'local',
          database_size_bytes: (await engine.backend.log.stats()).bytes,
        },
        scans: {
          total,
          completed: byStatus.completed,
          failed: byStatus.failed,
          success_rate: total > 0 ? (byStatus.completed / total) * 100 : 0,
        },
        latest_scan: latest,
        checkpoints: { total: checkpoints },
        findings: {
          total: Object.values(stats).reduce((a, b) => a + b, 0),
          active: stats.new + stats.recurring + stats.reopened,
          resolved: stats.resolved,
          suppressed: stats.suppressed,
        },
        features,
      });
    },
    // The file's size moves without the log (WAL checkpoints): not a function of the position.
    false,
  ),
];
