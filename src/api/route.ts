import type * as t from 'io-ts';
import type { Identity, Permission } from '../domain/index.js';
import type { StateEngine } from '../engine/index.js';
import type { PositionTracker } from './position.js';
import { decodeQuery } from './query.js';

/**
 * Who may call a route: `open` anyone; `read` any identity (or an anonymous client on this machine, per the read
 * rule); `ingest`, `decide` and `admin` an identity whose role grants it (see src/domain/access.ts).
 */
export type Access = 'open' | Permission;

export interface RouteContext {
  readonly engine: StateEngine;
  /** Who is acting: null on open routes and for anonymous reads from this machine; never null on a write. */
  readonly identity: Identity | null;
  /** Path parameters, percent-decoded (an id may hold `/` as `%2F`). */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** The JSON body (`{}` when empty); read on demand, so reads never wait for one. */
  readonly body: () => Promise<unknown>;
  readonly tracker: PositionTracker;
  /** Milliseconds since the epoch (the original's `?days=` filters count back from it). */
  readonly now: () => number;
}

export interface Reply {
  readonly status?: number;
  readonly body: unknown;
  /** Default application/json, the body serialized here; any other type takes a string body. */
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** What /openapi.json says about a v1 route beyond what its codecs show. */
export interface RouteDoc {
  readonly summary: string;
  /** Schema name in the document's components. */
  readonly returns: string;
  readonly body?: string;
  readonly status?: number;
  /** Statuses besides 200/400/401/403 worth naming. */
  readonly errors?: readonly number[];
}

export type QueryCodec = t.ExactC<t.TypeC<t.Props>>;

export interface Route {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Literal segments and `{name}` parameters, e.g. `/v1/findings/{finding_id}/history`. */
  readonly path: string;
  readonly access: Access;
  /**
   * Answered from the read models: runs in one read snapshot whose position it reports, and waits for
   * `?min_position`. Writes report the position after them; ops routes the tracker's.
   */
  readonly reads?: boolean;
  /** Whether the answer is a function of the URL and the log position alone, so the position can be its ETag. */
  readonly etag?: boolean | ((query: URLSearchParams) => boolean);
  readonly query?: QueryCodec;
  /** Query parameters that may repeat (`where`): left out of the exact decoding, read by the handler. */
  readonly repeated?: readonly string[];
  /** The largest body accepted (default 1 MiB): session documents may be bigger. */
  readonly bodyLimit?: number;
  readonly doc?: RouteDoc;
  readonly handle: (ctx: RouteContext) => Promise<Reply>;
}

/**
 * A route whose query is decoded before its handler runs. `exact` (v1) refuses unknown and repeated parameters;
 * otherwise (the original's routes) they are ignored and the first of a repeat wins, as its parse_qs did.
 */
export const defineRoute = <P extends t.Props>(
  spec: Omit<Route, 'handle' | 'query'> & {
    readonly query: t.ExactC<t.TypeC<P>>;
    readonly exact: boolean;
    readonly handle: (ctx: RouteContext, query: t.TypeOf<t.ExactC<t.TypeC<P>>>) => Promise<Reply>;
  },
): Route => {
  const { exact, handle, query, ...rest } = spec;
  return {
    ...rest,
    query: query as unknown as QueryCodec,
    handle: (ctx) => handle(ctx, decodeQuery(query, ctx.query, { exact, ignore: ['min_position', ...(rest.repeated ?? [])] })),
  };
};

export const json = (body: unknown, status = 200): Reply => ({ status, body });

/** The identity a write runs as: the server authorizes every non-open route before its handler, so one is there. */
export const actorOf = (ctx: RouteContext): Identity => {
  if (ctx.identity === null) throw new Error('a write route ran without an identity');
  return ctx.identity;
};
