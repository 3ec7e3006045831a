import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import * as t from 'io-ts';
import { HttpError } from './errors.js';
import { defineRoute, type Reply, type Route } from './route.js';

/**
 * The dashboard's pages and assets, built by `npm run build` into dist/web (scripts/build-web.ts). Everything the page
 * runs comes from this server: `default-src 'self'`, no inline script or style, no other host (it works air-gapped),
 * and no framing. The page itself holds no data: every figure comes from /v1 under the same token rules as any
 * client, so the page and its assets are open like /health (a person with a token must be able to load the page that
 * asks for it).
 */
export const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const pageHeaders = {
  'content-security-policy': contentSecurityPolicy,
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

const types: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
};

/** The client-side pages: each answers the same index.html, whose script draws the page its path names. */
export const dashboardPages = ['/', '/findings', '/findings/{finding_id}', '/scans', '/checkpoints', '/schedules'] as const;

/** Whether `dir` holds a built dashboard. */
export const isDashboardDir = (dir: string): boolean => existsSync(join(dir, 'index.html'));

const none = t.strict({});

/** Routes serving a built dashboard from `dir`, read once at start (assets are named by their content's hash). */
export const dashboardRoutes = (dir: string): Route[] => {
  const index = readFileSync(join(dir, 'index.html'), 'utf8');
  const assets = new Map<string, { body: string; type: string }>();
  const assetDir = join(dir, 'assets');
  for (const name of existsSync(assetDir) ? readdirSync(assetDir) : []) {
    const type = types[extname(name)];
    if (type !== undefined) assets.set(name, { body: readFileSync(join(assetDir, name), 'utf8'), type });
  }
  const html: Reply = {
    body: index,
    contentType: 'text/html; charset=utf-8',
    headers: { ...pageHeaders, 'cache-control': 'no-cache' },
  };
  return [
    ...dashboardPages.map((path) =>
      defineRoute({ method: 'GET', path, access: 'open', exact: false, query: none, handle: async () => html }),
    ),
    defineRoute({
      method: 'GET',
      path: '/assets/{file}',
      access: 'open',
      exact: false,
      query: none,
      handle: async ({ params }) => {
        const asset = assets.get(params.file ?? '');
        if (asset === undefined) throw new HttpError(404, `no asset ${params.file ?? ''}`);
        return {
          body: asset.body,
          contentType: asset.type,
          // Hashed names: a new build is a new URL, so a browser may keep these for good.
          headers: { ...pageHeaders, 'cache-control': 'public, max-age=31536000, immutable' },
        };
      },
    }),
  ];
};
