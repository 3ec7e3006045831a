import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { permits, rolesWith, type Identity, type Permission } from '../domain/index.js';
import { HttpError } from './errors.js';
import { TrustedProxy } from './proxy.js';
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

/** Where tokens made by `stance-state token create` are looked up (the engine's access read model). */
export interface IdentityDirectory {
  authenticate(token: string): Promise<Identity | null>;
  hasActiveTokens(): Promise<boolean>;
}

export interface AuthOptions {
  /** The legacy shared write token (STANCE_STATE_TOKEN, --token-file): an admin service identity. */
  readonly writeToken: string | null;
  /** The legacy read token (--read-token-file): a viewer service identity; when set, reads need some token. */
  readonly readToken: string | null;
  readonly directory?: IdentityDirectory;
  /** Opt-in: a reverse proxy that authenticates people and names them in a header. */
  readonly proxy?: TrustedProxy | null;
}

/** Who a request presented, before any route decides what that identity may do. */
export interface Presented {
  readonly identity: Identity | null;
  /** Whether an Authorization header was sent; with no identity it was not a valid token. */
  readonly token: boolean;
  readonly fromProxy: boolean;
  /** A refusal decided whatever the route (an identity header from an address that is not a trusted proxy). */
  readonly refusal: HttpError | null;
}

const legacy = (name: string, role: 'admin' | 'viewer'): Identity => ({
  name,
  role,
  kind: 'service',
  scopes: [],
  via: 'legacy-token',
  tokenId: null,
  expiresAt: null,
});
/** The names the legacy shared tokens act under in events, logs and the audit. */
export const legacyWriteIdentity = legacy('service-token', 'admin');
export const legacyReadIdentity = legacy('read-token', 'viewer');

const verbs: Readonly<Record<Exclude<Permission, 'read'>, string>> = {
  ingest: 'record scans, sightings or checkpoints',
  decide: 'make decisions on findings',
  admin: 'administer access',
};

/** Decides who may call what; throws 401 (no or wrong token) or 403 (refused whatever the token). */
export class Auth {
  private readonly write: Buffer | null;
  private readonly read: Buffer | null;
  private readonly directory: IdentityDirectory | null;
  private readonly proxy: TrustedProxy | null;

  constructor(options: AuthOptions) {
    this.write = options.writeToken === null ? null : digest(options.writeToken);
    this.read = options.readToken === null ? null : digest(options.readToken);
    this.directory = options.directory ?? null;
    this.proxy = options.proxy ?? null;
  }

  /** Whether some identity could write now: a legacy token, a live token in the store, or a trusted proxy. */
  async writesEnabled(): Promise<boolean> {
    return this.write !== null || this.proxy !== null || ((await this.directory?.hasActiveTokens()) ?? false);
  }

  get readsProtected(): boolean {
    return this.read !== null;
  }

  /** The identity a request carries: a proxy's header (from a trusted proxy only), else its bearer token. */
  async identify(req: IncomingMessage): Promise<Presented> {
    const fromProxy = this.proxy?.isProxy(req.socket.remoteAddress) ?? false;
    if (this.proxy !== null) {
      const named = this.proxy.identityOf(req, fromProxy);
      if (named instanceof HttpError) return { identity: null, token: false, fromProxy, refusal: named };
      if (named !== null) return { identity: named, token: false, fromProxy, refusal: null };
    }
    const token = bearerOf(req);
    if (token === null) return { identity: null, token: false, fromProxy, refusal: null };
    return { identity: await this.lookup(token), token: true, fromProxy, refusal: null };
  }

  private async lookup(token: string): Promise<Identity | null> {
    // Every compare runs whichever matches: which kind of token it was must not show in the timing.
    const isWrite = this.write !== null && tokenMatches(token, this.write);
    const isRead = this.read !== null && tokenMatches(token, this.read);
    const stored = (await this.directory?.authenticate(token)) ?? null;
    return isWrite ? legacyWriteIdentity : isRead ? legacyReadIdentity : stored;
  }

  /** The identity a route runs as (null: an open route, or an anonymous read from this machine), or a refusal. */
  async authorize(access: Access, presented: Presented, req: IncomingMessage): Promise<Identity | null> {
    if (access === 'open') return null;
    if (presented.refusal !== null) throw presented.refusal;
    const { identity } = presented;
    if (access === 'read') {
      if (identity !== null) return identity;
      if (presented.token) throw new HttpError(401, 'the token is not valid', invalid);
      if (this.read !== null) throw new HttpError(401, 'reads need Authorization: Bearer <token>', challenge);
      // What a trusted proxy forwards comes from anywhere: only a request made on this machine reads anonymously.
      if (!presented.fromProxy && isLoopbackAddress(req.socket.remoteAddress) && isLoopbackHost(req.headers.host))
        return null;
      throw new HttpError(
        403,
        'reads are open to this machine only: send a token, or start serve with --read-token-file <file> to serve other hosts',
      );
    }
    if (identity === null) {
      if (!(await this.writesEnabled()))
        throw new HttpError(
          403,
          'writes are disabled: create a token (stance-state token create <name> --role analyst), set STANCE_STATE_TOKEN or start serve with --token-file <file> to enable them',
        );
      if (presented.token) throw new HttpError(401, 'the token is not valid', invalid);
      throw new HttpError(401, 'writes need Authorization: Bearer <token>', challenge);
    }
    if (permits(identity.role, access)) return identity;
    if (identity === legacyReadIdentity) throw new HttpError(403, 'the read token does not allow writes');
    throw new HttpError(
      403,
      `${identity.name} (role ${identity.role}) may not ${verbs[access]}: that needs the ${rolesWith(access).join(' or ')} role`,
    );
  }
}
