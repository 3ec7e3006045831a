import { closeSync, createReadStream, createWriteStream, fstatSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { ImportRecord } from '../engine/index.js';
import { InvalidInput } from '../errors.js';
import { arrayRecords } from './import-array.js';
import { lineRecords } from './import-lines.js';

const chunkBytes = 1024 * 1024;
const byteOrderMark = Buffer.from([0xef, 0xbb, 0xbf]);

const unreadable = (path: string, error: unknown) =>
  new InvalidInput('file', path, `a readable file (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);

export interface ImportFile {
  /** A regular file the import can read twice (check, then append). */
  readonly path: string;
  readonly size: number;
  /** Removes the private copy of stdin or a pipe, if one was made. */
  close(): void;
}

/**
 * An import file ready to be read twice: a regular file as it is; stdin (`-`) or a pipe copied first into a private
 * temporary file (0600 in a 0700 directory), since it can be read only once.
 */
export const openImportFile = async (path: string): Promise<ImportFile> => {
  if (path !== '-') {
    let info;
    try {
      info = statSync(path);
    } catch (error) {
      throw unreadable(path, error);
    }
    if (info.isFile()) return { path, size: info.size, close: () => undefined };
    if (info.isDirectory()) throw new InvalidInput('file', path, 'a readable file, not a directory');
  }
  const dir = mkdtempSync(join(tmpdir(), 'stance-state-import-'));
  const copy = join(dir, 'input');
  try {
    await pipeline(path === '-' ? process.stdin : createReadStream(path), createWriteStream(copy, { mode: 0o600 }));
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw unreadable(path, error);
  }
  return { path: copy, size: statSync(copy).size, close: () => rmSync(dir, { recursive: true, force: true }) };
};

/** The file's bytes in chunks, each valid until the next is read; `onBytes` hears how many have been read. */
function* chunksOf(path: string, shown: string, onBytes: (n: number) => void): Generator<Buffer> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw unreadable(shown, error);
  }
  try {
    if (!fstatSync(fd).isFile()) throw new InvalidInput('file', shown, 'a readable file');
    let total = 0;
    // One buffer, read into again and again: a fresh 1 MiB per chunk is external memory V8 frees only at its leisure,
    // and peak RSS grew by a hundred megabytes. Readers copy what they keep past the next chunk.
    const chunk = Buffer.allocUnsafe(chunkBytes);
    for (;;) {
      const n = readSync(fd, chunk, 0, chunkBytes, null);
      if (n === 0) return;
      total += n;
      onBytes(total);
      yield n === chunkBytes ? chunk : chunk.subarray(0, n);
    }
  } finally {
    closeSync(fd);
  }
}

const isBlank = (b: number) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;

/**
 * The records of an import file, in order, read in 1 MiB chunks so memory stays bounded whatever its size: a JSON
 * array (its first non-blank byte is `[`) or NDJSON, one object a line. A leading UTF-8 byte-order mark (Windows
 * tools write one) is skipped. Bad bytes, nesting or JSON are refused naming the line or record, field and offset.
 */
export function* importRecords(file: ImportFile, shown: string, onBytes: (n: number) => void = () => undefined): Generator<ImportRecord> {
  const chunks = chunksOf(file.path, shown, onBytes);
  const peeked: Buffer[] = [];
  let base = 0;
  let first: number | undefined;
  // Read by hand, not for-of: leaving a for-of would close the generator, and the file with it.
  while (first === undefined) {
    const next = chunks.next();
    if (next.done === true) break;
    let bytes = next.value;
    if (peeked.length === 0 && bytes.subarray(0, 3).equals(byteOrderMark)) {
      bytes = bytes.subarray(3);
      base = 3;
    }
    peeked.push(Buffer.from(bytes)); // a copy: the next read reuses the buffer
    first = bytes.find((b) => !isBlank(b));
  }
  const all = (function* () {
    yield* peeked;
    yield* chunks;
  })();
  yield* first === 0x5b ? arrayRecords(all, base) : lineRecords(all, base);
}
