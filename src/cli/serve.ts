import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isIP } from 'node:net';
import type { Command } from 'commander';
import * as t from 'io-ts';
import { createLogger, isDashboardDir, parseProxyRole, startServer, TrustedProxy } from '../api/index.js';
import { InvalidInput } from '../errors.js';
import { decodeOrThrow } from '../events/index.js';
import { IntFromString, optional } from './args.js';
import { out, printNdjson, type CliContext } from './context.js';

const HeaderName = t.refinement(t.string, (s) => /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/.test(s), 'an HTTP header name');
const repeat = (v: string, acc: string[] = []) => [...acc, v];

const ServeArgs = t.strict({
  port: IntFromString('a port (0-65535)', 0, 65_535),
  host: t.refinement(t.string, (s) => s.length > 0 && s.length <= 253 && !/\s/.test(s), 'a host name or address'),
  tokenFile: optional(t.string),
  readTokenFile: optional(t.string),
  trustedProxy: optional(t.array(t.string)),
  proxyUserHeader: optional(HeaderName),
  proxyGroupsHeader: optional(HeaderName),
  proxyRole: optional(t.array(t.string)),
});

/** A bearer token as RFC 6750 allows it on the wire: visible ASCII, no blanks. */
const checkToken = (token: string, field: string): string => {
  if (!/^[\x21-\x7e]{1,4096}$/.test(token))
    // The value is never echoed: it is a secret, or close to one.
    throw new InvalidInput(field, '(hidden)', 'a token of 1-4096 visible ASCII characters, no blanks');
  return token;
};

const tokenFromFile = (file: string, field: string): string => checkToken(readFileSync(file, 'utf8').trim(), field);

const isLoopback = (host: string): boolean =>
  host === 'localhost' || (isIP(host) === 4 && host.startsWith('127.')) || host === '::1';

/** The first SIGINT or SIGTERM; the listeners go then, so a second one gets node's default, an immediate exit. */
const untilSignal = () => {
  let dispose: () => void = () => undefined;
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      dispose();
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
    dispose = () => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
    };
  });
  return { stopped, dispose: () => dispose() };
};

/**
 * The built dashboard, dist/web: beside the bundle when this runs built (dist/stance-state.js, or a chunk of it in
 * dist/chunks), else the checkout's dist/web (under tsx, from src/cli); null when it was not built (serve then answers
 * the API alone).
 */
const dashboardDir = (): string | null =>
  ['./web/', '../web/', '../../dist/web/'].map((p) => fileURLToPath(new URL(p, import.meta.url))).find(isDashboardDir) ?? null;

export const registerServe = (serve: Command, ctx: CliContext): void => {
  serve
    .option('--port <n>', 'TCP port; 0 picks a free one (the URL printed says which)', '8080')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--token-file <file>', 'file with the token writes need (default: $STANCE_STATE_TOKEN; none: no writes)')
    .option('--read-token-file <file>', 'file with a token reads need too (default: reads open to this machine only)')
    .option('--trusted-proxy <address>', 'trust the identity header from this proxy address or network (repeat; default: off)', repeat)
    .option('--proxy-user-header <name>', 'header the proxy names the person in', 'X-Forwarded-User')
    .option('--proxy-groups-header <name>', 'header the proxy lists their groups in, comma-separated', 'X-Forwarded-Groups')
    .option('--proxy-role <group=role>', 'map a group to viewer, analyst, scanner or admin (repeat)', repeat)
    .action(async (o: Record<string, unknown>, cmd: Command) => {
      const a = decodeOrThrow(ServeArgs, o);
      if (a.trustedProxy === undefined && a.proxyRole !== undefined)
        throw new InvalidInput('proxy-role', a.proxyRole[0], 'no --proxy-role without --trusted-proxy (the proxy mode is off)');
      const proxy =
        a.trustedProxy === undefined
          ? null
          : {
              addresses: a.trustedProxy,
              userHeader: a.proxyUserHeader,
              groupsHeader: a.proxyGroupsHeader,
              roles: new Map((a.proxyRole ?? []).map(parseProxyRole)),
            };
      // Checked before listening: a typo in an address must stop the start, not refuse every request later.
      if (proxy !== null) new TrustedProxy(proxy);
      const json = ctx.json(cmd);
      const log = createLogger({ json });
      const envToken = ctx.env.STANCE_STATE_TOKEN;
      const writeToken =
        a.tokenFile !== undefined
          ? tokenFromFile(a.tokenFile, 'token-file')
          : envToken
            ? checkToken(envToken.trim(), 'STANCE_STATE_TOKEN')
            : null;
      const readToken = a.readTokenFile === undefined ? null : tokenFromFile(a.readTokenFile, 'read-token-file');
      // Listening for signals before the URL is printed: whoever reads it may signal at once, and without a
      // listener node's default for SIGINT and SIGTERM is to die on the spot.
      const signals = untilSignal();
      const engine = await ctx.engine(cmd);
      const dashboard = dashboardDir();
      const server = await startServer({ engine, host: a.host, port: a.port, writeToken, readToken, proxy, log, dashboard }).catch(
        (error: unknown) => {
          signals.dispose();
          throw error;
        },
      );
      // writes: the legacy token's source, else whether any identity can write at all; tokens: how many are live now.
      const writes =
        writeToken !== null
          ? a.tokenFile !== undefined
            ? 'token-file'
            : 'STANCE_STATE_TOKEN'
          : proxy !== null || (await engine.access.hasActiveTokens())
            ? 'tokens'
            : 'disabled';
      const reads = readToken === null ? 'loopback' : 'token';
      const tokens = (await engine.access.listTokens()).filter((k) => k.status === 'active').length;
      const position = server.tracker.position;
      log('info', 'listening', {
        url: server.url,
        data: ctx.dataDir(cmd),
        writes,
        reads,
        tokens,
        proxies: proxy === null ? undefined : proxy.addresses.join(','),
        dashboard: dashboard === null ? 'not built (npm run build)' : `${server.url}/`,
        position,
      });
      if (readToken === null && !isLoopback(a.host))
        log('warn', 'reads from other hosts are refused without --read-token-file', { host: a.host });
      // The URL on stdout is the command's result: scripts and tests read the port from it (--port 0).
      if (json) printNdjson({ url: server.url, host: server.host, port: server.port });
      else out(`listening on ${server.url}`);

      const signal = await signals.stopped;
      log('info', 'stopping', { signal });
      await server.close();
      log('info', 'stopped', { position: server.tracker.position });
    });
};
