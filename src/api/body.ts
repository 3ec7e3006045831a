import type { IncomingMessage } from 'node:http';
import { InvalidInput } from '../errors.js';
import { HttpError } from './errors.js';

export const maxBodyBytes = 1024 * 1024;

/** `application/json` or `application/<x>+json`, with no charset but UTF-8 (RFC 8259 §8.1). */
const isJson = (contentType: string): boolean => {
  const [type = '', ...params] = contentType.split(';').map((s) => s.trim().toLowerCase());
  if (!/^application\/([a-z0-9.+-]+\+)?json$/.test(type)) return false;
  return params.every((p) => !p.startsWith('charset=') || /^charset="?utf-8"?$/.test(p));
};

/**
 * Reads a JSON request body. An empty body is `{}` whatever its type, so a decision without fields needs no body;
 * a non-empty one must say it is JSON (415), fit in 1 MiB (413: refused from Content-Length before reading when
 * it says so) and parse (400).
 */
export const readJsonBody = async (req: IncomingMessage, limit = maxBodyBytes): Promise<unknown> => {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) throw tooLarge(limit);
  const contentType = req.headers['content-type'];
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) throw tooLarge(limit);
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof HttpError) throw error;
    // The client went away mid-body: nobody reads the answer, but it must not count as a server fault.
    throw new HttpError(400, 'the request body was cut off');
  }
  if (size === 0) return {};
  if (contentType === undefined || !isJson(contentType))
    throw new HttpError(
      415,
      `the body must be JSON: send Content-Type: application/json (got ${contentType ?? 'none'})`,
    );
  const text = Buffer.concat(chunks, size).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InvalidInput('body', text, `JSON (${error instanceof Error ? error.message : 'unparsable'})`);
  }
};

const tooLarge = (limit: number) =>
  new HttpError(413, `the body is over ${limit} bytes`, { connection: 'close' });
