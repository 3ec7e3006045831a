/** The directory hub's tree: listing it in key order, making and fsyncing directories, sweeping dead temp files. */
import { type Stats } from 'node:fs';
import { chmod, lstat, mkdir, open, readdir, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { checkKey } from './key.js';

/**
 * Keys under `dir` (whose key prefix is `base`) that start with `prefix`, in ascending order. A directory sorts as
 * its name plus '/', which is where its keys fall among its siblings' ('a-c' < 'a/b' because '-' < '/'). Hidden
 * entries (the temp directory), symbolic links and names that are not valid keys are skipped.
 */
export async function* walk(
  dir: string,
  base: string,
  prefix: string,
  wrap: (e: unknown) => Error,
  after = '',
): AsyncGenerator<string> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    const code = errnoOf(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return;
    throw wrap(error);
  }
  const named = entries
    .filter((e) => !e.name.startsWith('.') && (e.isFile() || e.isDirectory()))
    .map((e) => ({ dir: e.isDirectory(), name: e.name, key: `${base}${e.name}${e.isDirectory() ? '/' : ''}` }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const entry of named) {
    if (entry.dir) {
      const wanted = entry.key.startsWith(prefix) || prefix.startsWith(entry.key);
      // Every key below a directory starts with its key: a subtree wholly at or before `after` is not read.
      if (wanted && `${entry.key}\x7f` > after) yield* walk(join(dir, entry.name), entry.key, prefix, wrap, after);
    } else if (entry.key > after && entry.key.startsWith(prefix) && isKey(entry.key)) yield entry.key;
  }
}

/** The directories right under `dir` (whose key prefix is `base`) as key prefixes ending in '/', in order. */
export async function* subfolders(dir: string, base: string, wrap: (e: unknown) => Error): AsyncGenerator<string> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    const code = errnoOf(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return;
    throw wrap(error);
  }
  const names = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => `${base}${e.name}/`);
  yield* names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

const isKey = (key: string): boolean => {
  try {
    checkKey(key);
    return true;
  } catch {
    return false;
  }
};

export const errnoOf = (error: unknown): string | undefined =>
  typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;

export const lstatOrNull = async (path: string): Promise<Stats | null> => {
  try {
    return await lstat(path);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return null;
    throw error;
  }
};

/** mkdir that tolerates a racing creator: true when this call made the directory, with exactly `mode` (not less the umask). */
export const makeDir = async (path: string, mode: number): Promise<boolean> => {
  try {
    await mkdir(path, mode);
    await chmod(path, mode);
    return true;
  } catch (error) {
    if (errnoOf(error) === 'EEXIST') return false;
    throw error;
  }
};

/** A new or removed directory entry is durable only once its directory is fsynced (Linux ext4/xfs semantics). */
export const syncDir = async (dir: string): Promise<void> => {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    // Some platforms and file systems cannot fsync a directory; there the entry is as durable as they allow.
    const code = errnoOf(error);
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM' && code !== 'ENOTSUP') throw error;
  } finally {
    await handle?.close();
  }
};

/** Removes temp files older than `olderThanMs`: writers killed between writing and linking leave them behind. */
export const sweep = async (tempDir: string, olderThanMs: number): Promise<void> => {
  const now = Date.now();
  for (const name of await readdir(tempDir)) {
    const path = join(tempDir, name);
    const info = await lstatOrNull(path);
    if (info !== null && info.isFile() && now - info.mtimeMs > olderThanMs) await unlink(path).catch(() => undefined);
  }
};
