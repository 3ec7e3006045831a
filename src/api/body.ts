import type { IncomingMessage } from 'node:http';
import { InvalidInput } from '../errors.js';
import { jsonTextOf } from '../events/index.js';
import { HttpError } from './errors.js';

export const maxBodyBytes = 1024 * 1024;
/** How much of a refused body is read and dropped, and for how long, before the connection is closed anyway. */
const drainBytes = 64 * 1024 * 1024;
const drainMs = 10_000;

/** `application/json` or `application/<x>+json`, with no charset but UTF-8 (RFC 8259 §8.1). */
const isJson = (contentType: string): boolean => {
  const [type = '', ...params] = contentType.split(';').map((s) => s.trim().toLowerCase());
  if (!/^application\/([a-z0-9.+-]+\+)?json$/.test(type)) return false;
  return params.every((p) => !p.startsWith('charset=') || /^charset="?utf-8"?$/.test(p));
};

/**
 * Reads and drops the rest of a refused body before the 413 is sent. Node closes a `Connection: close` socket as
 * soon as the answer is written; a client still sending then gets a reset (EPIPE, ECONNRESET) and never reads the
 * answer. Bounded in bytes and time: past either, the answer goes out and the socket closes regardless.
 */
const drain = (req: IncomingMessage): Promise<void> =>
  new Promise((resolve) => {
    if (req.readableEnded || req.destroyed) return resolve();
    let left = drainBytes;
    const done = () => {
      clearTimeout(timer);
      req.off('data', onData).off('end', done).off('error', done).off('close', done);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      left -= chunk.length;
      if (left < 0) done();
    };
    const timer = setTimeout(done, drainMs);
    req.on('data', onData).on('end', done).on('error', done).on('close', done);
    req.resume();
  });

const tooLarge = async (req: IncomingMessage, limit: number): Promise<never> => {
  await drain(req);
  throw new HttpError(413, `the body is over ${limit} bytes`, { connection: 'close' });
};

/** The whole body, or null once it runs over `limit` (the rest is left unread). */
const collect = (req: IncomingMessage, limit: number): Promise<Buffer | null> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => req.off('data', onData).off('end', onEnd).off('error', onCut).off('aborted', onCut);
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      stop();
      req.pause();
      resolve(null);
    };
    const onEnd = () => (stop(), resolve(Buffer.concat(chunks, size)));
    // The client went away mid-body: nobody reads the answer, but it must not count as a server fault.
    const onCut = () => (stop(), reject(new HttpError(400, 'the request body was cut off')));
    req.on('data', onData).on('end', onEnd).on('error', onCut).on('aborted', onCut);
  });

/**
 * Reads a JSON request body. An empty body is `{}` whatever its type, so a decision without fields needs no body;
 * a non-empty one must say it is JSON (415), fit in 1 MiB (413: refused from Content-Length before reading when it
 * says so), be UTF-8 (400 naming the field and byte offset of the first ill-formed bytes: decoding would turn them
 * into U+FFFD and write something else than was sent), nest at most 64 deep and parse (400).
 */
export const readJsonBody = async (req: IncomingMessage, limit = maxBodyBytes): Promise<unknown> => {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) return tooLarge(req, limit);
  const contentType = req.headers['content-type'];
  const bytes = await collect(req, limit);
  if (bytes === null) return tooLarge(req, limit);
  if (bytes.length === 0) return {};
  if (contentType === undefined || !isJson(contentType))
    throw new HttpError(
      415,
      `the body must be JSON: send Content-Type: application/json (got ${contentType ?? 'none'})`,
    );
  const text = jsonTextOf(bytes, '');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InvalidInput('body', text, `JSON (${error instanceof Error ? error.message : 'unparsable'})`);
  }
};
