import { createRequire } from 'node:module';
import type { BlobServiceClient, ContainerListBlobFlatSegmentResponse, ContainerListBlobHierarchySegmentResponse } from '@azure/storage-blob';
import { InvalidInput } from '../../errors.js';
import { HubError } from './errors.js';
import { checkKey, checkPrefix, keyRule, maxKeyLength } from './key.js';
import { checkMetadata, decodeMetadataValue, encodeMetadataValue } from './metadata.js';
import type { HubEnv, HubRetryOptions, HubScheme } from './scheme.js';
import type { HubMetadata, HubObject, HubStorage, ListOptions, ReadOptions } from './storage.js';

/**
 * The Azure SDK, loaded when an azblob:// hub is opened: with its XML parser it took longer to load than the rest of
 * the CLI together, and every sync command paid for it, file hubs too. Required (its CommonJS build) rather than
 * imported, so opening a hub stays synchronous.
 */
const azureSdk = (): typeof import('@azure/storage-blob') => createRequire(import.meta.url)('@azure/storage-blob');

export interface AzureHubOptions {
  /** Account key or SAS connection string; used for the client only, never printed. */
  readonly connectionString: string;
  readonly container: string;
  /** '' or a key-like path; objects are blobs named `<prefix>/<key>`. */
  readonly prefix: string;
  readonly retry?: HubRetryOptions;
  /** Blobs per listing request, 1-5000 (default 1000). */
  readonly pageSize?: number;
}

/**
 * Defaults: 4 tries with waits of 0, 1 and 3 s, so a refused connection fails in about 4 s; 60 s a try on the server;
 * 5 min for a whole operation, the only client-side bound: the SDK's `tryTimeoutInMs` is just the server-side
 * `timeout` parameter (@azure/storage-common StorageRetryPolicyV2), so a host that drops packets would otherwise
 * hang each try for the OS's connect timeout.
 */
export const azureRetryDefaults: Required<HubRetryOptions> = {
  maxTries: 4,
  retryDelayMs: 1000,
  maxRetryDelayMs: 30_000,
  tryTimeoutMs: 60_000,
  operationTimeoutMs: 300_000,
};

const containerShape = /^(?=.{3,63}$)[a-z0-9]+(?:-[a-z0-9]+)*$/;
const containerRule = '3-63 lower-case letters, digits and single hyphens';
const connectionStringRule =
  'an Azure Storage connection string (AccountName and AccountKey, or BlobEndpoint and SharedAccessSignature)';

/**
 * A hub in an Azure Blob container under a prefix. Create-only is Put Blob with `If-None-Match: *`: the service
 * answers 409 BlobAlreadyExists when the name is taken, atomically, so concurrent writers get one winner. Metadata
 * values are percent-encoded (`metadata.ts`) because blob metadata travels as ASCII headers. A missing container
 * is made by the first create that needs it; reads and listings of a missing container find nothing.
 */
export const azureHub = (options: AzureHubOptions): HubStorage => {
  const retry = checkRetry(options.retry ?? {});
  const pageSize = options.pageSize ?? 1000;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 5000)
    throw new InvalidInput('pageSize', pageSize, 'an integer of 1-5000');
  if (!containerShape.test(options.container)) throw new InvalidInput('container', options.container, containerRule);
  if (options.prefix !== '') checkKey(options.prefix, 'prefix');
  const url = `azblob://${options.container}${options.prefix === '' ? '' : `/${options.prefix}`}`;
  let service: BlobServiceClient;
  try {
    service = azureSdk().BlobServiceClient.fromConnectionString(options.connectionString, {
      retryOptions: {
        maxTries: retry.maxTries,
        retryDelayInMs: retry.retryDelayMs,
        maxRetryDelayInMs: retry.maxRetryDelayMs,
        tryTimeoutInMs: retry.tryTimeoutMs,
      },
    });
  } catch {
    // The SDK's message may quote the string, and the string may hold the key.
    throw new InvalidInput('AZURE_STORAGE_CONNECTION_STRING', '(not shown)', connectionStringRule);
  }
  // service.url carries a SAS token as its query when the connection string has one: keep only the host.
  const where = `account ${service.accountName} at ${new URL(service.url).host}`;
  const container = service.getContainerClient(options.container);
  const root = options.prefix === '' ? '' : `${options.prefix}/`;

  const blobName = (key: string): string => {
    checkKey(key);
    if (root.length + key.length > maxKeyLength)
      throw new InvalidInput('key', key, `at most ${maxKeyLength - root.length} characters under ${url}`);
    return root + key;
  };

  /** Runs one operation under its deadline and turns SDK errors into `HubError`s that hold no secret. */
  const attempt = async <T>(
    op: string,
    subject: string,
    body: (abortSignal: AbortSignal) => Promise<T>,
  ): Promise<T> => {
    const signal = AbortSignal.timeout(retry.operationTimeoutMs);
    try {
      return await body(signal);
    } catch (error) {
      if (error instanceof HubError || error instanceof InvalidInput) throw error;
      const doing = `${op} of "${subject}"`;
      if (signal.aborted)
        throw new HubError('timeout', url, `${doing} timed out after ${retry.operationTimeoutMs} ms (${where})`);
      const { status, code } = restErrorOf(error);
      if (status === null && code === null) throw error; // not from the SDK: a bug, keep its stack
      // Only the status and error code: a service message can quote the string-to-sign, a request its SAS URL.
      if (status === null)
        throw new HubError(
          'unreachable',
          url,
          `${doing} failed: ${where} is unreachable (${code}) after ${retry.maxTries} tries`,
        );
      const detail = `${status}${code === null ? '' : ` ${code}`}`;
      if (status === 401 || status === 403)
        throw new HubError('denied', url, `${doing} refused by ${where} (${detail}): check the key or SAS permissions`);
      throw new HubError('failed', url, `${doing} failed on ${where} (${detail})`);
    }
  };

  const decode = (key: string, raw: Record<string, string> | undefined): HubMetadata => {
    const metadata: HubMetadata = {};
    for (const [name, value] of Object.entries(raw ?? {})) {
      const decoded = decodeMetadataValue(value);
      if (decoded === null)
        throw new HubError('corrupt', url, `object "${key}" has metadata ${name} that is not percent-encoded`);
      metadata[name] = decoded;
    }
    return metadata;
  };

  return {
    url,

    async create(key: string, body: Buffer, metadata: HubMetadata): Promise<'created' | 'exists'> {
      const name = blobName(key);
      const checked = Object.entries(checkMetadata(metadata));
      const encoded = Object.fromEntries(checked.map(([k, v]) => [k, encodeMetadataValue(v)]));
      if (!Buffer.isBuffer(body)) throw new InvalidInput('body', typeof body, 'a Buffer');
      return attempt('create', key, async (abortSignal) => {
        const blob = container.getBlockBlobClient(name);
        const put = async (): Promise<'created' | 'exists' | 'no container'> => {
          try {
            await blob.upload(body, body.length, { metadata: encoded, conditions: { ifNoneMatch: '*' }, abortSignal });
            return 'created';
          } catch (error) {
            const { status, code } = restErrorOf(error);
            // 409 BlobAlreadyExists is the documented answer; 412 would say the same condition failed.
            if ((status === 409 && code === 'BlobAlreadyExists') || status === 412) return 'exists';
            if (status === 404 && code === 'ContainerNotFound') return 'no container';
            throw error;
          }
        };
        const first = await put();
        if (first !== 'no container') return first;
        await container.createIfNotExists({ abortSignal });
        const second = await put();
        if (second === 'no container')
          throw new HubError('failed', url, `container ${options.container} vanished (${where})`);
        return second;
      });
    },

    async read(key: string, options: ReadOptions = {}): Promise<HubObject | null> {
      const name = blobName(key);
      const limit = options.maxBytes ?? Number.MAX_SAFE_INTEGER;
      const tooLarge = (size: number) =>
        new HubError('too_large', url, `object "${key}" has a body of ${size} bytes, more than the ${limit} allowed`);
      return attempt('read', key, async (abortSignal) => {
        let response;
        try {
          response = await container.getBlobClient(name).download(0, undefined, { abortSignal });
        } catch (error) {
          if (restErrorOf(error).status === 404) return null;
          throw error;
        }
        const size = response.contentLength;
        const stream = response.readableStreamBody;
        if (size !== undefined && size > limit) {
          stream?.destroy();
          throw tooLarge(size);
        }
        const chunks: Buffer[] = [];
        let total = 0;
        for await (const chunk of stream ?? []) {
          total += (chunk as Uint8Array).length;
          // The length header is the server's word; the bytes are counted too, so no object outgrows the limit.
          if (total > limit) {
            stream?.destroy();
            throw tooLarge(total);
          }
          chunks.push(Buffer.from(chunk as Uint8Array));
        }
        const body = Buffer.concat(chunks);
        if (size !== undefined && body.length !== size)
          throw new HubError('corrupt', url, `"${key}" came back with ${body.length} of ${size} bytes`);
        return { body, metadata: decode(key, response.metadata), createdAt: response.createdOn?.getTime() ?? null };
      });
    },

    async metadata(key: string): Promise<HubMetadata | null> {
      const name = blobName(key);
      return attempt('metadata', key, async (abortSignal) => {
        try {
          return decode(key, (await container.getBlobClient(name).getProperties({ abortSignal })).metadata);
        } catch (error) {
          if (restErrorOf(error).status === 404) return null;
          throw error;
        }
      });
    },

    async *list(prefix: string, options: ListOptions = {}): AsyncGenerator<string> {
      checkPrefix(prefix);
      // Filtered here: the service's own `startFrom` is documented for hierarchical-namespace accounts only. Batch
      // keys are grouped in folders (see sync/naming.ts), so readers list only the folders that can hold new keys.
      const after = options.startAfter ?? '';
      let continuationToken: string | undefined;
      do {
        // Each page gets its own deadline: the caller may take its time between pages.
        const page = await attempt('list', prefix, async (abortSignal) => {
          try {
            const pages = container
              .listBlobsFlat({ prefix: root + prefix, abortSignal })
              .byPage({ maxPageSize: pageSize, ...(continuationToken === undefined ? {} : { continuationToken }) });
            const next = await pages.next();
            return next.done === true ? null : (next.value as ContainerListBlobFlatSegmentResponse);
          } catch (error) {
            if (restErrorOf(error).status === 404) return null; // no container yet
            throw error;
          }
        });
        if (page === null) return;
        for (const item of page.segment.blobItems) {
          const key = item.name.slice(root.length);
          if (key > after && isKey(key)) yield key; // blobs other tools put there are not hub objects
        }
        continuationToken = page.continuationToken === '' ? undefined : page.continuationToken;
      } while (continuationToken !== undefined);
    },

    async *folders(prefix: string): AsyncGenerator<string> {
      if (prefix !== '' && !prefix.endsWith('/')) throw new InvalidInput('prefix', prefix, "'' or a prefix ending in '/'");
      checkPrefix(prefix);
      let continuationToken: string | undefined;
      do {
        const page = await attempt('list', prefix, async (abortSignal) => {
          try {
            const pages = container
              .listBlobsByHierarchy('/', { prefix: root + prefix, abortSignal })
              .byPage({ maxPageSize: pageSize, ...(continuationToken === undefined ? {} : { continuationToken }) });
            const next = await pages.next();
            return next.done === true ? null : (next.value as ContainerListBlobHierarchySegmentResponse);
          } catch (error) {
            if (restErrorOf(error).status === 404) return null;
            throw error;
          }
        });
        if (page === null) return;
        for (const item of page.segment.blobPrefixes ?? []) {
          const folder = item.name.slice(root.length);
          if (folder.endsWith('/') && isKey(`${folder}x`)) yield folder;
        }
        continuationToken = page.continuationToken === '' ? undefined : page.continuationToken;
      } while (continuationToken !== undefined);
    },

    async delete(key: string): Promise<boolean> {
      const name = blobName(key);
      return attempt('delete', key, async (abortSignal) => {
        try {
          const blob = container.getBlobClient(name);
          return (await blob.deleteIfExists({ deleteSnapshots: 'include', abortSignal })).succeeded;
        } catch (error) {
          if (restErrorOf(error).status === 404) return false;
          throw error;
        }
      });
    },
  };
};

/** The status and code of an SDK RestError (status null for network errors, whose code is e.g. ECONNREFUSED). */
const restErrorOf = (error: unknown): { status: number | null; code: string | null } => {
  if (typeof error !== 'object' || error === null || !('name' in error) || error.name !== 'RestError')
    return { status: null, code: null };
  const status = 'statusCode' in error && typeof error.statusCode === 'number' ? error.statusCode : null;
  const code = 'code' in error && typeof error.code === 'string' ? error.code : null;
  return { status, code: code ?? (status === null ? 'network error' : null) };
};

const isKey = (key: string): boolean => {
  try {
    checkKey(key);
    return true;
  } catch {
    return false;
  }
};

const checkRetry = (given: HubRetryOptions): Required<HubRetryOptions> => {
  const retry = { ...azureRetryDefaults, ...given };
  for (const [name, value] of Object.entries(retry)) {
    const least = name === 'maxTries' || name === 'operationTimeoutMs' ? 1 : 0;
    if (!Number.isSafeInteger(value) || value < least)
      throw new InvalidInput(`retry.${name}`, value, `an integer of at least ${least}`);
  }
  return retry;
};

const usage = 'azblob://<container>/<prefix>';

/** `azblob://<container>[/<prefix>]`, with the connection string from `AZURE_STORAGE_CONNECTION_STRING`. */
export const azureScheme: HubScheme = {
  scheme: 'azblob:',
  usage,
  open(url, env: HubEnv, options) {
    const match = /^azblob:\/\/([^/?#]*)(?:\/(.*))?$/.exec(url);
    const container = match?.[1] ?? '';
    if (match === null || !containerShape.test(container))
      throw new InvalidInput('hub', url, `${usage} with a container name of ${containerRule}`);
    const raw = match[2] ?? '';
    const prefix = raw.endsWith('/') ? raw.slice(0, -1) : raw; // 'azblob://c/p/' is 'azblob://c/p'
    if (raw !== '') {
      try {
        checkKey(prefix);
      } catch {
        throw new InvalidInput('hub', url, `${usage} with a prefix of ${keyRule}`);
      }
    }
    const connectionString = env.AZURE_STORAGE_CONNECTION_STRING;
    if (connectionString === undefined || connectionString.trim() === '')
      throw new InvalidInput('AZURE_STORAGE_CONNECTION_STRING', connectionString, connectionStringRule);
    return azureHub({
      connectionString,
      container,
      prefix,
      ...(options.retry === undefined ? {} : { retry: options.retry }),
      ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
    });
  },
};
