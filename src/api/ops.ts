import * as t from 'io-ts';
import type { Metrics } from './metrics.js';
import { openApiDocument } from './openapi.js';
import { defineRoute, json, type Route } from './route.js';

export interface OpsDeps {
  readonly metrics: Metrics;
  /** The routes /openapi.json describes (those with a doc). */
  readonly routes: () => readonly Route[];
  readonly version: string;
  readonly startedAt: number;
  /** Whether some identity could write now (a token made or revoked since start changes it). */
  readonly writesEnabled: () => Promise<boolean>;
}

const none = t.strict({});

/** Liveness with projection lag, Prometheus metrics and the OpenAPI document. */
export const opsRoutes = (deps: OpsDeps): Route[] => {
  let document: string | null = null;
  return [
    defineRoute({
      method: 'GET',
      path: '/health',
      // Probes carry no token; the answer holds positions only, no data.
      access: 'open',
      exact: false,
      query: none,
      handle: async ({ engine, now }) => {
        // Read, not refreshed: a probe must not take the write lock (a refresh catching up would).
        const head = await engine.backend.log.headPosition();
        const projections = await engine.projectionPositions();
        const lag = Object.fromEntries(projections.map((p) => [p.name, Math.max(0, head - p.position)]));
        return json({
          status: 'ok',
          store: engine.backend.description,
          position: Math.min(...projections.map((p) => p.position)),
          head,
          lag,
          writes_enabled: await deps.writesEnabled(),
          uptime_seconds: Math.round((now() - deps.startedAt) / 1000),
        });
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/metrics',
      access: 'read',
      exact: false,
      query: none,
      handle: async ({ engine, tracker }) => ({
        contentType: 'text/plain; version=0.0.4; charset=utf-8',
        body: deps.metrics.render({
          head: await engine.backend.log.headPosition(),
          projections: await engine.projectionPositions(),
          appended: tracker.appended,
          waiting: tracker.waiting,
        }),
      }),
    }),
    defineRoute({
      method: 'GET',
      path: '/openapi.json',
      access: 'read',
      exact: false,
      query: none,
      handle: async () => {
        document ??= JSON.stringify(openApiDocument(deps.routes(), deps.version));
        return { contentType: 'application/json; charset=utf-8', body: document };
      },
    }),
  ];
};
