import type { ServerResponse } from 'node:http';

export interface Outgoing {
  readonly status: number;
  /** A JSON value, or the text of another content type. */
  readonly body: unknown;
  readonly contentType?: string | undefined;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** The log position the answer reflects (X-Stance-Position); omitted when unknown. */
  readonly position?: number | undefined;
  readonly etag?: string | undefined;
}

/** Writes one answer. JSON unless told otherwise; 304 has no body. HEAD bodies are dropped by node itself. */
export const respond = (res: ServerResponse, out: Outgoing): void => {
  const headers: Record<string, string | number> = {
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    ...(out.position === undefined ? {} : { 'x-stance-position': out.position }),
    ...(out.etag === undefined ? {} : { etag: out.etag }),
    ...out.headers,
  };
  if (out.status === 304) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  const text = out.contentType === undefined ? JSON.stringify(out.body) : String(out.body);
  headers['content-type'] = out.contentType ?? 'application/json; charset=utf-8';
  headers['content-length'] = Buffer.byteLength(text);
  res.writeHead(out.status, headers);
  res.end(text);
};
