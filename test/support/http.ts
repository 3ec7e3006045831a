import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { startServer, type RunningServer, type ServerOptions } from '../../src/api/index.js';
import type { StateEngine } from '../../src/engine/index.js';
import { openTestEngine, type TestClock } from './engine.js';

export interface HttpResult {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly json: unknown;
}

export interface RequestOptions {
  /** An object is sent as JSON with Content-Type application/json; a string or Buffer as is. */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as `Authorization: Bearer <token>`. */
  readonly token?: string;
  readonly agent?: Agent;
}

const parse = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
};

/** One real HTTP request; resolves with whatever status came back (never rejects on 4xx/5xx). */
export const request = (base: string, method: string, path: string, options: RequestOptions = {}): Promise<HttpResult> =>
  new Promise((resolve, reject) => {
    const raw = options.body;
    const isObject = raw !== undefined && typeof raw !== 'string' && !Buffer.isBuffer(raw);
    const payload = raw === undefined ? undefined : isObject ? JSON.stringify(raw) : (raw as string | Buffer);
    const headers: Record<string, string | number> = {
      ...(isObject ? { 'content-type': 'application/json' } : {}),
      ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
      ...(payload === undefined ? {} : { 'content-length': Buffer.byteLength(payload) }),
      ...options.headers,
    };
    const req = httpRequest(`${base}${path}`, { method, headers, agent: options.agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: parse(text) });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });

export const get = (base: string, path: string, options: RequestOptions = {}) => request(base, 'GET', path, options);
export const post = (base: string, path: string, body: unknown, options: RequestOptions = {}) =>
  request(base, 'POST', path, { ...options, body });

export const writeToken = 'test-write-token-0123456789';

export interface TestServer {
  readonly engine: StateEngine;
  readonly clock: TestClock;
  readonly server: RunningServer;
  readonly url: string;
  /** The store the engine runs on (an SQLite file or a PostgreSQL schema), for a second engine on it. */
  readonly store: string;
  readonly close: () => Promise<void>;
}

/** An engine on a fresh store of the test backend and a server over it on an ephemeral loopback port, writes enabled. */
export const startTestServer = async (dir: string, options: Partial<Omit<ServerOptions, 'engine'>> = {}): Promise<TestServer> => {
  const { engine, clock, url: store } = await openTestEngine(dir);
  const server = await startServer({ engine, port: 0, host: '127.0.0.1', writeToken, clock: clock.now, ...options });
  return {
    engine,
    clock,
    server,
    url: server.url,
    store,
    close: async () => {
      await server.close();
      await engine.close();
    },
  };
};

/** POSTs with the test write token. */
export const write = (base: string, path: string, body: unknown = {}) => post(base, path, body, { token: writeToken });

/** Every item of the body's `key` list, asserting the body is an object. */
export const listOf = <T = Record<string, unknown>>(result: HttpResult, key: string): T[] =>
  ((result.json as Record<string, unknown> | undefined)?.[key] as T[] | undefined) ?? [];
