import { InvalidInput } from '../../errors.js';
import { azureScheme } from './azure.js';
import { fileScheme } from './file.js';
import type { HubEnv, HubOptions, HubScheme } from './scheme.js';
import type { HubStorage } from './storage.js';

/** Every kind of hub by URL scheme: S3 or GCS is one file exporting a `HubScheme` and one line here. */
export const hubSchemes: readonly HubScheme[] = [fileScheme, azureScheme];

/**
 * The hub a URL names: `file:///<dir>` or `azblob://<container>/<prefix>` (connection string from
 * `AZURE_STORAGE_CONNECTION_STRING` in `env`). Parses and checks the URL only; the first operation touches storage.
 */
export const openHub = (url: string, env: HubEnv = process.env, options: HubOptions = {}): HubStorage => {
  const scheme = typeof url === 'string' ? /^([a-z][a-z0-9+.-]*:)/i.exec(url)?.[1]?.toLowerCase() : undefined;
  const kind = hubSchemes.find((s) => s.scheme === scheme);
  if (kind === undefined) throw new InvalidInput('hub', url, hubSchemes.map((s) => s.usage).join(' or '));
  return kind.open(url, env, options);
};
