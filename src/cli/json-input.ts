import { readFile } from 'node:fs/promises';
import { Described, InvalidInput } from '../errors.js';
import { describeUtf8Error, invalidUtf8At, nestingBeyond } from '../events/index.js';

/** How much a command reads from a file or stdin before refusing (a session document may be big). */
export const maxInputBytes = 256 * 1024 * 1024;

const readStdin = async (field: string, limit: number): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new InvalidInput(field, '-', `at most ${limit} bytes on stdin`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size);
};

const readPath = async (path: string, field: string): Promise<Buffer> => {
  try {
    return await readFile(path);
  } catch (error) {
    throw new InvalidInput(field, path, `a readable file (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
};

/** Parses JSON bytes from outside: UTF-8, nested at most `depth` deep, then JSON; each failure names the input. */
export const parseJsonBytes = (bytes: Buffer, field: string, depth: number): unknown => {
  const bad = invalidUtf8At(bytes);
  if (bad >= 0) throw new InvalidInput(field, new Described(describeUtf8Error(bytes, bad, 0)), 'UTF-8 text');
  const text = bytes.toString('utf8');
  const deep = nestingBeyond(text, depth);
  if (deep >= 0) throw new InvalidInput(field, text.slice(Math.max(0, deep - 20), deep + 20), `JSON nested at most ${depth} levels deep`);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InvalidInput(field, text, `JSON (${error instanceof Error ? error.message : 'unparsable'})`);
  }
};

/** A JSON argument as typed (`{"a":1}`), from a file (`@path`) or from stdin (`-`). */
export const jsonArgument = async (arg: string, field: string, depth = 64): Promise<unknown> => {
  if (arg === '-') return parseJsonBytes(await readStdin(field, maxInputBytes), field, depth);
  if (arg.startsWith('@')) return parseJsonBytes(await readPath(arg.slice(1), field), field, depth);
  return parseJsonBytes(Buffer.from(arg, 'utf8'), field, depth);
};

/** A JSON file by path, or stdin for `-` (a document: nested up to 512 deep). */
export const jsonFile = async (path: string, field: string, depth = 512): Promise<unknown> =>
  parseJsonBytes(path === '-' ? await readStdin(field, maxInputBytes) : await readPath(path, field), field, depth);
