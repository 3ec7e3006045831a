import { NoQuery } from './inputs.js';
import { defineRoute, json, type Route } from './route.js';

export const v1SyncRoutes: readonly Route[] = [
  defineRoute({
    method: 'GET',
    path: '/v1/sync',
    access: 'read',
    reads: true,
    // lag_seconds counts to now: not a function of the position alone.
    etag: false,
    exact: true,
    query: NoQuery,
    doc: {
      summary:
        'Sync per hub and origin: how far this data dir pushed, how far it pulled each other origin, how old the newest event pulled of it is (lag_seconds), and blocks',
      returns: 'SyncOverview',
    },
    handle: async ({ engine }) => json(await engine.syncOverview()),
  }),
];
