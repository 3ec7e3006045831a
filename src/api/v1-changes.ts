import * as t from 'io-ts';
import { IntFromString, optional } from '../events/index.js';
import { defineRoute, json, type Route } from './route.js';

export const maxChangeWaitSeconds = 60;
const ChangesQuery = t.strict({
  after: optional(IntFromString('a log position (0 or more)')),
  wait: optional(IntFromString(`seconds (0-${maxChangeWaitSeconds})`, 0, maxChangeWaitSeconds)),
});

/**
 * A long poll for live pages: answers once the read models move past `after`, or after `wait` seconds (default 25)
 * with the position unchanged; always 200, so a quiet log is not an error. It goes through the same authentication
 * as every read: a browser's EventSource could not send the Authorization header, and a token never goes in a URL.
 * A waiting client is a waiter on the server's PositionTracker (one log subscription per server, which releases every
 * waiter its position reaches): it costs a read of the positions when it arrives and when it answers, and a timer,
 * never a poll of its own (Backend.waitFor polls every 25 ms per caller).
 */
export const v1ChangeRoutes: readonly Route[] = [
  defineRoute({
    method: 'GET',
    path: '/v1/changes',
    access: 'read',
    exact: true,
    query: ChangesQuery,
    doc: {
      summary:
        'Wait until the read models move past `after` (a position from X-Stance-Position or a previous answer), at most `wait` seconds (default 25); answers {position} either way',
      returns: 'Changes',
    },
    handle: async ({ tracker }, q) => {
      if (q.after !== undefined) await tracker.waitFor(q.after + 1, (q.wait ?? 25) * 1000);
      return json({ position: tracker.position });
    },
  }),
];
