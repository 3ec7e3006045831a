import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import { isRight } from 'fp-ts/lib/Either.js';
import type { Identity } from '../domain/index.js';
import { InvalidInput } from '../errors.js';
import { IdentityName, Role } from '../events/index.js';
import { HttpError } from './errors.js';

export interface TrustedProxyOptions {
  /** Addresses (`10.0.0.5`, `::1`) or networks (`10.0.0.0/24`) the proxy connects from. */
  readonly addresses: readonly string[];
  /** The header naming the person (oauth2-proxy: X-Forwarded-User, or X-Forwarded-Email). */
  readonly userHeader?: string | undefined;
  /** The header listing their groups, comma-separated (oauth2-proxy: X-Forwarded-Groups). */
  readonly groupsHeader?: string | undefined;
  /** Group name to role; a person whose groups map to none is refused. */
  readonly roles: ReadonlyMap<string, Role>;
}

// When several groups map, the strongest wins; analyst before scanner: a person decides, a scanner is a service.
const strength: readonly Role[] = ['admin', 'analyst', 'scanner', 'viewer'];

/** `::ffff:10.0.0.5` is how node reports an IPv4 client on a dual-stack socket. */
const plain = (address: string): string => (/^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(address) ? address.slice(7) : address);

/**
 * Trusts an identity header only on connections from configured proxy addresses (the socket's peer, never a
 * forwarded-for header, which any client can send). From anywhere else the header is refused outright: it is an
 * attempt to pass as someone, not a request to serve anonymously.
 */
export class TrustedProxy {
  private readonly list = new BlockList();
  readonly userHeader: string;
  readonly groupsHeader: string;

  constructor(private readonly options: TrustedProxyOptions) {
    if (options.addresses.length === 0) throw new InvalidInput('trusted-proxy', [], 'at least one proxy address');
    if (options.roles.size === 0)
      throw new InvalidInput('proxy-role', [], 'at least one <group>=<role>: with none, nobody behind the proxy may act');
    for (const entry of options.addresses) {
      const [address = '', bits, ...rest] = entry.split('/');
      const family = isIP(plain(address));
      const prefix = bits === undefined ? undefined : Number(bits);
      const max = family === 6 ? 128 : 32;
      if (family === 0 || rest.length > 0 || (prefix !== undefined && !(Number.isInteger(prefix) && prefix >= 0 && prefix <= max && /^\d+$/.test(bits ?? ''))))
        throw new InvalidInput('trusted-proxy', entry, 'an IP address or network (10.0.0.5, 10.0.0.0/24, ::1)');
      const type = family === 6 ? 'ipv6' : 'ipv4';
      if (prefix === undefined) this.list.addAddress(plain(address), type);
      else this.list.addSubnet(plain(address), prefix, type);
    }
    this.userHeader = (options.userHeader ?? 'x-forwarded-user').toLowerCase();
    this.groupsHeader = (options.groupsHeader ?? 'x-forwarded-groups').toLowerCase();
  }

  isProxy(remote: string | undefined): boolean {
    if (remote === undefined) return false;
    const address = plain(remote);
    const family = isIP(address);
    return family !== 0 && this.list.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }

  /** The person the proxy names (null: no header), or why the request is refused. */
  identityOf(req: IncomingMessage, fromProxy: boolean): Identity | HttpError | null {
    const raw = req.headers[this.userHeader];
    if (raw === undefined) return null;
    if (!fromProxy)
      return new HttpError(403, `the ${this.userHeader} header is accepted only from a configured proxy address`);
    const name = Array.isArray(raw) ? raw[0] : raw;
    if (name === undefined || Array.isArray(raw) || !isRight(IdentityName.decode(name.trim())))
      return new HttpError(403, `the proxy's ${this.userHeader} header does not hold one valid name`);
    const header = req.headers[this.groupsHeader];
    const groups = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((g) => g.trim());
    const granted = new Set(groups.flatMap((g) => (this.options.roles.has(g) ? [this.options.roles.get(g) as Role] : [])));
    const role = strength.find((r) => granted.has(r));
    if (role === undefined) return new HttpError(403, `${name.trim()} is in no group that maps to a role`);
    return { name: name.trim(), role, kind: 'person', scopes: [], via: 'proxy', tokenId: null, expiresAt: null };
  }
}

/** `<group>=<role>`, as `serve --proxy-role` takes it. */
export const parseProxyRole = (text: string): [string, Role] => {
  const eq = text.lastIndexOf('=');
  const group = text.slice(0, eq).trim();
  const role = text.slice(eq + 1).trim();
  if (eq <= 0 || group === '' || !Role.is(role))
    throw new InvalidInput('proxy-role', text, '<group>=<role>, the role viewer, analyst, scanner or admin');
  return [group, role];
};
