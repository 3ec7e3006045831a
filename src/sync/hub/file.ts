import { randomUUID } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { link, lstat, open, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { InvalidInput } from '../../errors.js';
import { HubError } from './errors.js';
import { maxHeaderBytes, objectParts, parseHeader } from './file-object.js';
import { errnoOf, lstatOrNull, makeDir, subfolders, sweep, syncDir, walk } from './file-tree.js';
import { checkKey, checkPrefix } from './key.js';
import { checkMetadata } from './metadata.js';
import type { HubScheme } from './scheme.js';
import type { HubMetadata, HubStorage, ListOptions, ReadOptions } from './storage.js';

export interface FileHubOptions {
  /** The hub directory (absolute); made on the first create. */
  readonly root: string;
  /** Temp files of writers that died are removed by the first create once older than this (default 24 hours). */
  readonly staleTempMs?: number;
}

const needsLinks = 'a directory hub needs a file system with hard links';

/** Where writers stage objects: inside the root so `link()` stays on one file system; keys never start with '.'. */
export const tempDirName = '.stance-hub-tmp';

/**
 * A hub in a local or mounted directory; each object is one file at `<root>/<key>` (see `file-object.ts`).
 * Create-only: the object is written and fsynced under a unique temp name, then hard-linked to its key. `link()`
 * fails with EEXIST when the key exists, so of racing writers (threads, processes, hosts on one NFS export) exactly
 * one wins, and readers see the whole file or nothing. A writer killed before the link leaves only a temp file,
 * which no key can name. Symbolic links inside the root are never followed, so no key reaches outside it.
 */
export const fileHub = (options: FileHubOptions): HubStorage => {
  const root = resolve(options.root);
  const url = pathToFileURL(root).href;
  const tempDir = join(root, tempDirName);
  const staleTempMs = options.staleTempMs ?? 24 * 60 * 60 * 1000;

  const layout = (message: string) => new HubError('layout', url, message);
  const corrupt = (key: string, problem: string) =>
    new HubError('corrupt', url, `object "${key}" is corrupt: ${problem}`);
  const sizeProblem = (size: number, said: number) => `its body has ${size} bytes, its header says ${said}`;
  const wrap = (op: string, subject: string, error: unknown): Error => {
    if (error instanceof HubError || error instanceof InvalidInput) return error;
    const code = errnoOf(error);
    const what = code === 'EACCES' || code === 'EPERM' ? 'denied' : 'failed';
    return new HubError(what, url, `${op} of "${subject}" failed: ${code ?? String(error)}`, { cause: error });
  };

  /**
   * Modes of what a create makes below the root: the owner's bits, the root's own group bits (a hub shared by a
   * group through its root stays shared; files get only its read and write bits) and never any for others, whatever
   * the umask. A root the hub makes itself is 0700. Set by `prepare` from the root as it is at each create.
   */
  let modes = { dir: 0o700, file: 0o600 };

  /** Makes the root and temp directory durably (each create: someone may have removed them since). */
  const prepare = async (): Promise<void> => {
    // The missing directories from the root up, then made top-down one at a time: Node's recursive mkdir never
    // returns on some paths (/proc/x for one). Each new entry is durable once its parent is fsynced.
    const missing: string[] = [];
    for (let dir = root; (await statOrNull(dir)) === null && dirname(dir) !== dir; dir = dirname(dir)) missing.push(dir);
    for (const dir of missing.reverse()) if (await makeDir(dir, 0o700)) await syncDir(dirname(dir));
    const rootMode = (await stat(root)).mode;
    const group = rootMode & 0o070;
    // The set-group-ID bit is kept on folders: it keeps the root's group on everything made below them.
    modes = { dir: 0o700 | group | (rootMode & 0o2000), file: 0o600 | (group & 0o060) };
    if (await makeDir(tempDir, modes.dir)) await syncDir(root);
    swept ??= sweep(tempDir, staleTempMs).catch(() => undefined); // best effort, once per hub value
    await swept;
  };
  let swept: Promise<void> | null = null;
  const statOrNull = (path: string): Promise<Stats | null> =>
    stat(path).catch((error: unknown) => {
      if (errnoOf(error) === 'ENOENT') return null;
      throw error;
    });

  /**
   * The directory holding `key`'s file, walked one segment at a time with lstat so a symbolic link is refused
   * rather than followed; null when a directory is missing and `make` is false. Made directories are fsynced into
   * their parents before the object is linked below them.
   */
  const parentOf = async (key: string, make: boolean): Promise<string | null> => {
    const segments = key.split('/').slice(0, -1);
    let dir = root;
    for (let i = 0; i < segments.length; i += 1) {
      const next = join(dir, segments[i] as string);
      let info = await lstatOrNull(next);
      if (info === null) {
        if (!make) return null;
        if (await makeDir(next, modes.dir)) await syncDir(dir);
        info = await lstat(next);
      }
      const at = segments.slice(0, i + 1).join('/');
      if (info.isSymbolicLink()) throw layout(`"${at}" is a symbolic link, which the hub does not follow`);
      if (!info.isDirectory()) {
        if (!make) return null; // no object can lie under an object
        throw layout(`key "${key}" lies under "${at}", which is an object`);
      }
      dir = next;
    }
    return dir;
  };
  const nameOf = (key: string): string => key.slice(key.lastIndexOf('/') + 1);

  /** The object's open file, or null when there is none; O_NOFOLLOW refuses a symbolic link in the last place. */
  const openObject = async (key: string): Promise<{ handle: FileHandle; info: Stats } | null> => {
    const dir = await parentOf(key, false);
    if (dir === null) return null;
    let handle: FileHandle;
    try {
      handle = await open(join(dir, nameOf(key)), constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (error) {
      const code = errnoOf(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') return null;
      if (code === 'ELOOP') throw layout(`"${key}" is a symbolic link, which the hub does not follow`);
      throw error;
    }
    const info = await handle.stat().catch(async (error: unknown) => {
      await handle.close();
      throw error;
    });
    if (info.isFile()) return { handle, info };
    await handle.close();
    return null; // a directory: a prefix of other keys, not an object
  };

  /** Reads and checks an object's header, never more than `maxHeaderBytes`, whatever the file holds. */
  const readHeader = async (
    key: string,
    file: { handle: FileHandle; info: Stats },
  ): Promise<{ metadata: HubMetadata; size: number; bodyOffset: number }> => {
    let head = Buffer.alloc(0);
    for (;;) {
      const chunk = Buffer.alloc(Math.min(16 * 1024, maxHeaderBytes - head.length + 1));
      const { bytesRead } = await file.handle.read(chunk, 0, chunk.length, head.length);
      head = Buffer.concat([head, chunk.subarray(0, bytesRead)]);
      const header = parseHeader(head);
      if (header.kind === 'corrupt') throw corrupt(key, header.problem);
      if (header.kind === 'header') {
        const size = file.info.size - header.bodyOffset;
        if (size !== header.size) throw corrupt(key, sizeProblem(size, header.size));
        return header;
      }
      if (bytesRead === 0) throw corrupt(key, 'its header is cut short');
    }
  };

  const existing = async (key: string, path: string): Promise<'exists'> => {
    const info = await lstat(path);
    if (info.isFile()) return 'exists';
    if (info.isSymbolicLink()) throw layout(`"${key}" is a symbolic link, which the hub does not follow`);
    throw layout(`key "${key}" is taken by a directory of other objects`);
  };

  return {
    url,

    async create(key: string, body: Buffer, metadata: HubMetadata): Promise<'created' | 'exists'> {
      checkKey(key);
      const meta = checkMetadata(metadata);
      if (!Buffer.isBuffer(body)) throw new InvalidInput('body', typeof body, 'a Buffer');
      const temp = join(tempDir, `${process.pid}-${randomUUID()}`);
      try {
        await prepare();
        const dir = (await parentOf(key, true)) as string;
        const path = join(dir, nameOf(key));
        const handle = await open(temp, 'wx', modes.file);
        try {
          await handle.chmod(modes.file); // the link below gives the object this inode, and so this mode
          for (const part of objectParts(body, meta)) await handle.writeFile(part); // writeFile loops on short writes
          await handle.sync();
        } finally {
          await handle.close();
        }
        try {
          await link(temp, path);
        } catch (error) {
          const code = errnoOf(error);
          if (code === 'EEXIST') return await existing(key, path);
          if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'EXDEV')
            throw new HubError('failed', url, `create of "${key}" failed: ${code} from link(): ${needsLinks}`);
          throw error;
        }
        await syncDir(dir);
        return 'created';
      } catch (error) {
        throw wrap('create', key, error);
      } finally {
        await unlink(temp).catch(() => undefined);
      }
    },

    async read(key: string, options: ReadOptions = {}) {
      checkKey(key);
      try {
        const file = await openObject(key);
        if (file === null) return null;
        try {
          const header = await readHeader(key, file);
          if (options.maxBytes !== undefined && header.size > options.maxBytes)
            throw new HubError('too_large', url, `object "${key}" has a body of ${header.size} bytes, more than the ${options.maxBytes} allowed`);
          const body = Buffer.alloc(header.size);
          let done = 0;
          while (done < header.size) {
            const { bytesRead } = await file.handle.read(body, done, header.size - done, header.bodyOffset + done);
            if (bytesRead === 0) throw corrupt(key, sizeProblem(done, header.size));
            done += bytesRead;
          }
          // The birth time is the kernel's when the object was made (utimes cannot set it); the change time only
          // moves forward, so it bounds the birth from above where a file system keeps no birth time.
          const createdAt = file.info.birthtimeMs > 0 ? file.info.birthtimeMs : file.info.ctimeMs;
          return { body, metadata: header.metadata, createdAt };
        } finally {
          await file.handle.close();
        }
      } catch (error) {
        throw wrap('read', key, error);
      }
    },

    async metadata(key: string) {
      checkKey(key);
      try {
        const file = await openObject(key);
        if (file === null) return null;
        try {
          return (await readHeader(key, file)).metadata;
        } finally {
          await file.handle.close();
        }
      } catch (error) {
        throw wrap('metadata', key, error);
      }
    },

    async *list(prefix: string, options: ListOptions = {}) {
      checkPrefix(prefix);
      const base = prefix.slice(0, prefix.lastIndexOf('/') + 1);
      let dir: string | null;
      try {
        dir = base === '' ? root : await parentOf(`${base}x`, false);
      } catch (error) {
        throw wrap('list', prefix, error);
      }
      if (dir !== null) yield* walk(dir, base, prefix, (error) => wrap('list', prefix, error), options.startAfter);
    },

    async *folders(prefix: string) {
      if (prefix !== '' && !prefix.endsWith('/')) throw new InvalidInput('prefix', prefix, "'' or a prefix ending in '/'");
      checkPrefix(prefix);
      let dir: string | null;
      try {
        dir = prefix === '' ? root : await parentOf(`${prefix}x`, false);
      } catch (error) {
        throw wrap('list', prefix, error);
      }
      if (dir !== null) yield* subfolders(dir, prefix, (error) => wrap('list', prefix, error));
    },

    async delete(key: string) {
      checkKey(key);
      try {
        const dir = await parentOf(key, false);
        if (dir === null) return false;
        const path = join(dir, nameOf(key));
        const info = await lstatOrNull(path);
        if (info === null || !info.isFile()) return false;
        try {
          await unlink(path);
        } catch (error) {
          if (errnoOf(error) === 'ENOENT') return false;
          throw error;
        }
        await syncDir(dir);
        return true;
      } catch (error) {
        throw wrap('delete', key, error);
      }
    },
  };
};

const usage = 'file:///<absolute directory>';

/** `file:///<dir>`: a directory hub; percent-escapes in the path are decoded (`file:///srv/my%20hub`). */
export const fileScheme: HubScheme = {
  scheme: 'file:',
  usage: 'file:///<dir>',
  open(url, _env, options) {
    let root: string;
    try {
      const parsed = new URL(url);
      if (!url.startsWith('file:///') || parsed.search !== '' || parsed.hash !== '') throw new TypeError(url);
      root = fileURLToPath(parsed);
    } catch {
      throw new InvalidInput('hub', url, usage);
    }
    return fileHub({ root, ...(options.staleTempMs === undefined ? {} : { staleTempMs: options.staleTempMs }) });
  },
};
