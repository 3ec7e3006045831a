import type { ClientConfig } from 'pg';
import { InvalidInput } from '../../errors.js';

/** Where a PostgreSQL log lives: how to connect, which schema, and a printable name that holds no secret. */
export interface PostgresLocation {
  readonly connection: ClientConfig;
  readonly schema: string;
  /** `postgres://user@host:port/db?schema=name`: never the password. */
  readonly display: string;
}

const expected = 'postgres://user@host:port/db?schema=name';
/** Lower-case SQL identifiers only, so the name never needs quoting rules explained to anyone. */
const SchemaName = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Reads a `postgres://` (or `postgresql://`) URL. What the URL leaves out comes from the usual libpq variables
 * (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE), then libpq's defaults. `?schema=` names the schema
 * holding this deployment's tables (default `public`), so several deployments can share one database.
 */
export const parsePostgresUrl = (url: string, env: NodeJS.ProcessEnv = process.env): PostgresLocation => {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidInput('store', mask(url), expected);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:')
    throw new InvalidInput('store', mask(url), expected);
  const decode = (s: string) => (s === '' ? undefined : decodeURIComponent(s));
  const host = decode(parsed.hostname.replace(/^\[|\]$/g, '')) ?? env.PGHOST ?? 'localhost';
  const portText = parsed.port || env.PGPORT || '5432';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new InvalidInput('store.port', portText, 'a TCP port');
  const user = decode(parsed.username) ?? env.PGUSER ?? env.USER ?? 'postgres';
  const password = decode(parsed.password) ?? env.PGPASSWORD;
  const database = decode(parsed.pathname.replace(/^\//, '')) ?? env.PGDATABASE ?? user;
  const schema = parsed.searchParams.get('schema') ?? 'public';
  if (!SchemaName.test(schema)) throw new InvalidInput('store.schema', schema, 'a lower-case SQL identifier (a-z, 0-9, _; at most 63)');
  const sslmode = parsed.searchParams.get('sslmode') ?? env.PGSSLMODE ?? 'disable';
  const ssl = sslMode(sslmode);
  for (const key of parsed.searchParams.keys())
    if (key !== 'schema' && key !== 'sslmode') throw new InvalidInput(`store.${key}`, parsed.searchParams.get(key), 'only schema and sslmode as URL parameters');
  const connection: ClientConfig = {
    host,
    port,
    user,
    database,
    ...(password === undefined ? {} : { password }),
    ...(ssl === undefined ? {} : { ssl }),
    application_name: 'stance-state',
  };
  const hostText = host.includes(':') ? `[${host}]` : host;
  const display = `postgres://${encodeURIComponent(user)}@${hostText}:${port}/${encodeURIComponent(database)}?schema=${schema}`;
  return { connection, schema, display };
};

const sslMode = (mode: string): ClientConfig['ssl'] => {
  switch (mode) {
    case 'disable':
    case 'allow':
    case 'prefer':
      return undefined;
    // libpq's `require` encrypts without checking the certificate; the verify modes check it.
    case 'require':
      return { rejectUnauthorized: false };
    case 'verify-ca':
    case 'verify-full':
      return true;
    default:
      throw new InvalidInput('store.sslmode', mode, 'disable, require, verify-ca or verify-full');
  }
};

/** The URL with any password replaced, for messages about a URL that did not parse. */
export const maskPassword = (url: string): string => mask(url);
const mask = (url: string): string => url.replace(/^([a-z]+:\/\/[^:@/]*):[^@/]*@/i, '$1:***@');
