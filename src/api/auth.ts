import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HttpError } from './errors.js';
import type { Access } from './route.js';

const digest = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/**
 * Compares in constant time: both sides are hashed first, so the compare always runs over 32 bytes and neither the
 * length nor a common prefix of the real token leaks through timing (timingSafeEqual needs equal lengths).
 */
export const tokenMatches = (presented: string, expected: Buffer): boolean =>
  timingSafeEqual(digest(presented), expected);

const bearerOf = (req: IncomingMessage): string | null => {
  const header = req.headers.authorization;
  if (header === undefined) return null;
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return m?.[1] ?? '';
};

const isLoopbackAddress = (address: string | undefined): boolean =>
  address !== undefined && (/^127\./.test(address) || address === '::1' || /^::ffff:127\./i.test(address));

/** A Host naming this machine: a page on another site that rebinds its DNS to 127.0.0.1 still sends its own name. */
const isLoopbackHost = (host: string | undefined): boolean => {
  if (host === undefined) return true; // HTTP/1.0; node refuses an HTTP/1.1 request without Host
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':')[0] ?? '');
  return /^(localhost|.+\.localhost|127(\.\d{1,3}){3}|\[::1\])$/i.test(name);
};

const challenge = { 'www-authenticate': 'Bearer realm="stance-state"' };
const invalid = { 'www-authenticate': 'Bearer realm="stance-state", error="invalid_token"' };

export interface AuthOptions {
  /** Required on writes; with none, writes are refused with how to enable them. */
  readonly writeToken: string | null;
  /** When set, reads need it (or the write token) from every client, loopback included. */
  readonly readToken: string | null;
}

/** Decides who may call what; throws 401 (no or wrong token) or 403 (refused whatever the token). */
export class Auth {
  private readonly write: Buffer | null;
  private readonly read: Buffer | null;

  constructor(options: AuthOptions) {
    this.write = options.writeToken === null ? null : digest(options.writeToken);
    this.read = options.readToken === null ? null : digest(options.readToken);
  }

  get writesEnabled(): boolean {
    return this.write !== null;
  }

  get readsProtected(): boolean {
    return this.read !== null;
  }

  check(access: Access, req: IncomingMessage): void {
    if (access === 'open') return;
    const token = bearerOf(req);
    if (access === 'write') return this.checkWrite(token);
    if (this.read === null) {
      if (token !== null && this.write !== null && tokenMatches(token, this.write)) return;
      if (isLoopbackAddress(req.socket.remoteAddress) && isLoopbackHost(req.headers.host)) return;
      throw new HttpError(
        403,
        'reads are open to this machine only: start serve with --read-token-file <file> to serve other hosts',
      );
    }
    if (token === null) throw new HttpError(401, 'reads need Authorization: Bearer <read token>', challenge);
    // Both compares always run: which token matched must not show in the timing either.
    const isRead = tokenMatches(token, this.read);
    const isWrite = this.write !== null && tokenMatches(token, this.write);
    if (!isRead && !isWrite) throw new HttpError(401, 'the token is not valid', invalid);
  }

  private checkWrite(token: string | null): void {
    if (this.write === null)
      throw new HttpError(
        403,
        'writes are disabled: start serve with STANCE_STATE_TOKEN set or with --token-file <file> to enable them',
      );
    if (token === null) throw new HttpError(401, 'writes need Authorization: Bearer <token>', challenge);
    if (tokenMatches(token, this.write)) return;
    if (this.read !== null && tokenMatches(token, this.read))
      throw new HttpError(403, 'the read token does not allow writes');
    throw new HttpError(401, 'the token is not valid', invalid);
  }
}
