import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** A default origin: this host's name plus a random suffix, so two logs made on one host differ. */
export const defaultOrigin = (): string =>
  `${hostname().toLowerCase().replace(/[^a-z0-9.-]/g, '-').slice(0, 48) || 'host'}-${randomBytes(3).toString('hex')}`;
