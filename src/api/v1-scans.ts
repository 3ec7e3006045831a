import * as t from 'io-ts';
import { DomainError } from '../errors.js';
import { decodeOrThrow, Id } from '../events/index.js';
import { scanCursorOf } from './cursor.js';
import { CompleteScanBody, given, LastScanQuery, NoQuery, ScansQuery, StartScanBody } from './inputs.js';
import { decodeBody } from './query.js';
import { actorOf, defineRoute, json, type Route } from './route.js';

const ScanIdParam = t.strict({ scan_id: Id });
const defaultLimit = 100;

export const v1ScanRoutes: readonly Route[] = [
  defineRoute({
    method: 'GET',
    path: '/v1/scans',
    access: 'read',
    reads: true,
    etag: true,
    exact: true,
    query: ScansQuery,
    doc: { summary: 'Scans, newest first, one page at a time', returns: 'ScanPage' },
    handle: async ({ engine }, q) => {
      const limit = q.limit ?? defaultLimit;
      const page = await engine.listScanPage({
        status: q.status,
        since: q.since,
        accountId: q.account,
        region: q.region,
        limit,
        after: q.cursor,
      });
      const last = page.scans.at(-1);
      const next =
        page.more && last !== undefined ? scanCursorOf({ startedAt: last.started_at, scanId: last.scan_id }) : null;
      return json({ scans: page.scans, next_cursor: next });
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/scans/last',
    access: 'read',
    reads: true,
    etag: true,
    exact: true,
    query: LastScanQuery,
    doc: { summary: 'The newest completed scan (of an account and region)', returns: 'ScanRecord', errors: [404] },
    handle: async ({ engine }, q) => {
      const scan = await engine.getLastScan(q.account ?? '', q.region ?? '');
      if (scan === null) throw new DomainError('unknown_scan', 'no completed scan matches');
      return json(scan);
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/scans/latest',
    access: 'read',
    reads: true,
    etag: true,
    exact: true,
    query: NoQuery,
    doc: { summary: 'The newest scan of each account and region, whatever its status', returns: 'ScanList' },
    handle: async ({ engine }) => json({ scans: await engine.latestScans() }),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/scans/{scan_id}',
    access: 'read',
    reads: true,
    etag: true,
    exact: true,
    query: NoQuery,
    doc: { summary: 'One scan', returns: 'ScanRecord', errors: [404] },
    handle: async ({ engine, params }) => {
      const { scan_id } = decodeOrThrow(ScanIdParam, params);
      const scan = await engine.getScan(scan_id);
      if (scan === null) throw new DomainError('unknown_scan', `scan ${scan_id} is not known`);
      return json(scan);
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/scans',
    access: 'ingest',
    exact: true,
    query: NoQuery,
    doc: { summary: 'Record a scan start', body: 'StartScan', returns: 'ScanRecord', status: 201, errors: [409] },
    handle: async (ctx) => {
      const b = decodeBody(StartScanBody, await ctx.body());
      const scan = await ctx.engine.startScan({
        scanId: b.scan_id,
        snapshotId: b.snapshot_id,
        configName: given(b.config_name),
        accountId: given(b.account_id),
        region: given(b.region),
        collectors: given(b.collectors),
        fullScope: given(b.full_scope),
        metadata: given(b.metadata),
      }, actorOf(ctx));
      return { status: 201, body: scan, headers: { location: `/v1/scans/${encodeURIComponent(scan.scan_id)}` } };
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/scans/{scan_id}/complete',
    access: 'ingest',
    exact: true,
    query: NoQuery,
    doc: {
      summary: 'Record that a scan finished (failed when error_message is set)',
      body: 'CompleteScan',
      returns: 'ScanRecord',
      errors: [404, 409],
    },
    handle: async (ctx) => {
      const { scan_id } = decodeOrThrow(ScanIdParam, ctx.params);
      const b = decodeBody(CompleteScanBody, await ctx.body());
      return json(
        await ctx.engine.completeScan(
          scan_id,
          { assetCount: b.asset_count, findingCount: b.finding_count, errorMessage: given(b.error_message) },
          actorOf(ctx),
        ),
      );
    },
  }),
];
