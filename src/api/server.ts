import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StateEngine } from '../engine/index.js';
import { InvalidInput } from '../errors.js';
import { decodeOrThrow } from '../events/index.js';
import { Impersonation, redactTokens } from '../errors.js';
import { RefusalAudit } from './audit.js';
import { Auth, type Presented } from './auth.js';
import { readJsonBody } from './body.js';
import { dashboardRoutes } from './dashboard.js';
import { errorReply, HttpError } from './errors.js';
import { etagOf, noneMatch } from './etag.js';
import { MinPosition } from './inputs.js';
import { silentLogger, type Logger } from './log.js';
import { Metrics } from './metrics.js';
import { opsRoutes } from './ops.js';
import { v1SessionRoutes } from './v1-sessions.js';
import { v1StateRoutes } from './v1-states.js';
import { PositionTracker } from './position.js';
import { TrustedProxy, type TrustedProxyOptions } from './proxy.js';
import { respond, type Outgoing } from './respond.js';
import type { Route, RouteContext } from './route.js';
import { Router } from './router.js';
import { stanceReadRoutes } from './stance-reads.js';
import { stanceWriteRoutes } from './stance-writes.js';
import { v1AccessRoutes } from './v1-access.js';
import { v1ChangeRoutes } from './v1-changes.js';
import { v1CheckpointRoutes } from './v1-checkpoints.js';
import { v1FindingRoutes } from './v1-findings.js';
import { v1ScanRoutes } from './v1-scans.js';
import { v1ScheduleRoutes } from './v1-schedules.js';
import { v1SchemaRoutes } from './v1-schemas.js';
import { v1SlaRoutes } from './v1-sla.js';
import { v1SyncRoutes } from './v1-sync.js';

export interface ServerOptions {
  readonly engine: StateEngine;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 8080; 0 picks a free port (read it from the result). */
  readonly port?: number;
  /** The legacy shared write token: an admin service identity named service-token. */
  readonly writeToken?: string | null;
  /** The legacy read token: a viewer service identity named read-token; with it, reads need some token. */
  readonly readToken?: string | null;
  /** Opt-in: trust an identity header from these proxy addresses (off when null or absent). */
  readonly proxy?: TrustedProxyOptions | null;
  readonly log?: Logger;
  /** How long `?min_position` waits before 503 (default 5 s). */
  readonly minPositionWaitMs?: number;
  /** How long close() lets in-flight requests finish before cutting their connections (default 10 s). */
  readonly closeGraceMs?: number;
  readonly clock?: () => number;
  /** A built dashboard (dist/web) to serve at `/`; none when null or absent. */
  readonly dashboard?: string | null;
}

export interface RunningServer {
  /** `http://host:port` with the port actually bound. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly tracker: PositionTracker;
  /** Every route the server answers, open ones included (tests enumerate the writes from here). */
  readonly routes: readonly Route[];
  /** Stops accepting, lets in-flight requests finish (up to the grace), stops following the log. */
  close(): Promise<void>;
}

export const apiVersion = '1.0.0';

/** The path and query of a request target; an absolute-form target (`http://h/p`) keeps its path and query. */
const targetOf = (url: string): { path: string; query: URLSearchParams } => {
  let target = url;
  if (!target.startsWith('/')) {
    try {
      const parsed = new URL(target);
      target = `${parsed.pathname}${parsed.search}`;
    } catch {
      throw new InvalidInput('path', url, 'an absolute path');
    }
  }
  const q = target.indexOf('?');
  if (q < 0) return { path: target, query: new URLSearchParams() };
  return { path: target.slice(0, q), query: new URLSearchParams(target.slice(q + 1)) };
};

const minPositionOf = (query: URLSearchParams): number | undefined => {
  const all = query.getAll('min_position');
  if (all.length === 0) return undefined;
  if (all.length > 1) throw new InvalidInput('min_position', all, 'a single value');
  return decodeOrThrow(MinPosition, all[0], 'min_position');
};

/** Refusals worth keeping: every refused write, and any refused look at the admin routes. */
const isGuarded = (method: string, access: Route['access']): boolean =>
  access === 'admin' || (access !== 'open' && method !== 'GET' && method !== 'HEAD');

/** Starts the HTTP API over an engine and resolves once it listens. */
export const startServer = async (options: ServerOptions): Promise<RunningServer> => {
  const { engine } = options;
  const log = options.log ?? silentLogger;
  const clock = options.clock ?? Date.now;
  const waitMs = options.minPositionWaitMs ?? 5000;
  const auth = new Auth({
    writeToken: options.writeToken ?? null,
    readToken: options.readToken ?? null,
    directory: engine.access,
    proxy: options.proxy === undefined || options.proxy === null ? null : new TrustedProxy(options.proxy),
  });
  const metrics = new Metrics();
  const tracker = await PositionTracker.open(engine, log);
  const refusals = new RefusalAudit(engine, log, clock);
  const documented: readonly Route[] = [
    ...v1ScanRoutes,
    ...v1FindingRoutes,
    ...v1SlaRoutes,
    ...v1CheckpointRoutes,
    ...v1ScheduleRoutes,
    ...v1SyncRoutes,
    ...v1ChangeRoutes,
    ...v1AccessRoutes,
    ...v1SchemaRoutes,
    ...v1StateRoutes,
    ...v1SessionRoutes,
  ];
  const router = new Router([
    ...documented,
    ...stanceReadRoutes,
    ...stanceWriteRoutes,
    ...(options.dashboard === undefined || options.dashboard === null ? [] : dashboardRoutes(options.dashboard)),
    ...opsRoutes({
      metrics,
      routes: () => documented,
      version: apiVersion,
      startedAt: clock(),
      writesEnabled: () => auth.writesEnabled(),
    }),
  ]);

  /** Runs a matched route: reads in one snapshot after any min_position wait, writes then their position. */
  const run = async (route: Route, req: IncomingMessage, ctx: RouteContext): Promise<Outgoing> => {
    if (route.reads === true) {
      const min = minPositionOf(ctx.query);
      if (min !== undefined) {
        const reached = await tracker.waitFor(min, waitMs);
        metrics.countWait(reached);
        if (!reached)
          throw new HttpError(
            503,
            `the read models have not reached position ${min} within ${waitMs} ms (they are at ${tracker.position})`,
            { 'retry-after': '1' },
          );
      }
      const cacheable = typeof route.etag === 'function' ? route.etag(ctx.query) : route.etag === true;
      if (cacheable && req.headers['if-none-match'] !== undefined) {
        const position = await engine.readModelPosition();
        const etag = etagOf(position);
        if (noneMatch(req.headers['if-none-match'], etag)) return { status: 304, body: null, position, etag };
      }
      const { position, value } = await engine.readConsistent(() => route.handle(ctx));
      return { ...value, status: value.status ?? 200, position, etag: cacheable ? etagOf(position) : undefined };
    }
    const reply = await route.handle(ctx);
    // After a write, the position that includes it: a client passes it as min_position to another reader.
    return { ...reply, status: reply.status ?? 200, position: await tracker.update() };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = process.hrtime.bigint();
    const method = req.method ?? 'GET';
    let label = 'unmatched';
    let status = 500;
    let position: number | undefined;
    let access: Route['access'] = 'open';
    let presented: Presented | null = null;
    try {
      const { path, query } = targetOf(req.url ?? '/');
      const { route, params } = router.match(method, path);
      label = route.path;
      access = route.access;
      presented = route.access === 'open' ? null : await auth.identify(req);
      const identity = presented === null ? null : await auth.authorize(route.access, presented, req);
      const out = await run(route, req, {
        engine,
        identity,
        params,
        query,
        body: () => readJsonBody(req, route.bodyLimit),
        tracker,
        now: clock,
      });
      status = out.status;
      position = out.position;
      respond(res, out);
    } catch (error) {
      const reply = errorReply(error);
      status = reply.status;
      if (reply.bug)
        log('error', 'request failed', {
          method,
          route: label,
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        });
      else if (status === 401 || status === 403 || error instanceof Impersonation) {
        const who = presented?.identity ?? null;
        log('warn', 'refused', { method, route: label, status, actor: who?.name, remote: req.socket.remoteAddress ?? null });
        // Awaited, so the refusal is in the audit before the client hears of it (on any backend).
        if (isGuarded(method, access))
          await refusals.record({
            method,
            route: label,
            status,
            reason: String(reply.body.error),
            actor: who?.name ?? null,
            role: who?.role ?? null,
            tokenId: who?.tokenId ?? null,
            via: who?.via ?? null,
            remote: req.socket.remoteAddress ?? null,
          });
      }
      else if (status === 503) log('warn', 'unavailable', { method, route: label, reason: String(reply.body.error) });
      if (res.headersSent) res.destroy();
      else respond(res, { status, body: reply.body, headers: reply.headers, position: tracker.position });
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.observe(method === 'HEAD' ? 'GET' : method, label, status, seconds);
      // Every attempted write is worth a line (refusals by auth have theirs above); reads are counted, not logged.
      if (method !== 'GET' && method !== 'HEAD' && access !== 'open' && status !== 401 && status !== 403)
        log(status < 400 ? 'info' : 'warn', 'write', {
          method,
          route: label,
          actor: presented?.identity?.name,
          // A client may put a token in a query string; the log line must not keep it.
          path: redactTokens(req.url ?? '').slice(0, 200),
          status,
          position,
          ms: Math.round(seconds * 10_000) / 10,
        });
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  // A malformed request (bad request line, oversized headers) is answered by node itself (400/431), never here.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  await tracker.start();
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | null = null;
  return {
    url: `http://${host}:${address.port}`,
    host: address.address,
    port: address.port,
    tracker,
    routes: router.routes,
    close: () =>
      (closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        // Waiting min_position requests answer 503 now rather than hold the shutdown for 5 s.
        await tracker.close();
        const cut = setTimeout(() => server.closeAllConnections(), options.closeGraceMs ?? 10_000);
        await stopped;
        clearTimeout(cut);
      })()),
  };
};

