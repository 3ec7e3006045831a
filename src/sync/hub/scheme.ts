import type { HubStorage } from './storage.js';

/** Environment variables a hub may read (the Azure connection string); `process.env` in production. */
export type HubEnv = Readonly<Record<string, string | undefined>>;

/** Retries of networked hubs; the defaults are in the adapter that uses them. */
export interface HubRetryOptions {
  /** Tries per request, the first included. */
  readonly maxTries?: number;
  /** Backoff base: before try n+1 the client waits (2^(n-1) - 1) x this (0, 1, 3, 7... x), capped at the next. */
  readonly retryDelayMs?: number;
  readonly maxRetryDelayMs?: number;
  /** Server-side limit of one try, sent to the service with the request. */
  readonly tryTimeoutMs?: number;
  /** Client-side deadline of one whole operation (every try, backoff and body): bounds an unreachable hub. */
  readonly operationTimeoutMs?: number;
}

export interface HubOptions {
  readonly retry?: HubRetryOptions;
  /** Keys per listing request (Azure allows 1-5000). */
  readonly pageSize?: number;
  /** Directory hubs: temp files of dead writers older than this are removed by the first create. */
  readonly staleTempMs?: number;
}

/** One kind of hub: `openHub` picks it by the URL's scheme, so S3 or GCS is one more file and one registry line. */
export interface HubScheme {
  /** The scheme with its colon, as `new URL(url).protocol` gives it: `'file:'`. */
  readonly scheme: string;
  /** The URL's shape for messages: `'file:///<dir>'`. */
  readonly usage: string;
  /** Parses the URL (an `InvalidInput` for field `hub` when malformed) and makes the hub; touches no storage yet. */
  open(url: string, env: HubEnv, options: HubOptions): HubStorage;
}
