import { InvalidInput } from '../errors.js';
import { HttpError } from './errors.js';
import type { Route } from './route.js';

type Segment = { readonly literal: string } | { readonly param: string };

interface Compiled {
  readonly route: Route;
  readonly segments: readonly Segment[];
  readonly literals: number;
}

export interface Match {
  readonly route: Route;
  readonly params: Record<string, string>;
}

const compile = (route: Route): Compiled => {
  const segments = route.path
    .split('/')
    .slice(1)
    .map((s): Segment => (/^\{\w+\}$/.test(s) ? { param: s.slice(1, -1) } : { literal: s }));
  return { route, segments, literals: segments.filter((s) => 'literal' in s).length };
};

/** Splits a raw path into percent-decoded segments; `%2F` stays inside its segment. */
const segmentsOf = (path: string): string[] =>
  path
    .split('/')
    .slice(1)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        throw new InvalidInput('path', path, 'a percent-encoded path (RFC 3986)');
      }
    });

/**
 * Matches method and path. Literal segments beat parameters (`/v1/scans/last` before `/v1/scans/{id}`); a path
 * known under other methods is 405 with `Allow`; an unknown one is 404. HEAD is answered as GET.
 */
export class Router {
  private readonly compiled: Compiled[];

  constructor(readonly routes: readonly Route[]) {
    this.compiled = routes.map(compile).sort((a, b) => b.literals - a.literals);
  }

  match(method: string, path: string): Match {
    const wanted = method === 'HEAD' ? 'GET' : method;
    const parts = segmentsOf(path);
    const allowed = new Set<string>();
    for (const c of this.compiled) {
      const params = bind(c, parts);
      if (params === null) continue;
      if (c.route.method === wanted) return { route: c.route, params };
      allowed.add(c.route.method);
    }
    if (allowed.size === 0) throw new HttpError(404, `no route for ${path}`);
    if (allowed.has('GET')) allowed.add('HEAD');
    const allow = [...allowed].sort().join(', ');
    throw new HttpError(405, `${method} is not allowed on ${path} (allowed: ${allow})`, { allow });
  }
}

const bind = (c: Compiled, parts: readonly string[]): Record<string, string> | null => {
  if (c.segments.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i += 1) {
    const segment = c.segments[i];
    const part = parts[i] as string;
    if (segment === undefined) return null;
    if ('param' in segment) params[segment.param] = part;
    else if (segment.literal !== part) return null;
  }
  return params;
};
