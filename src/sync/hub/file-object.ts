import * as t from 'io-ts';
import { isRight } from 'fp-ts/lib/Either.js';
import { canonicalJson, NonNegativeInt } from '../../events/index.js';
import type { HubMetadata } from './storage.js';

/**
 * How the directory hub stores one object: a magic line, a JSON header line holding the metadata and the body's
 * size, then the body. One file, so it becomes visible with its metadata in one `link()` and a crash can never
 * leave an object without metadata (a sidecar file could). `tail -c +<offset>` or `sed 1,2d` gives the raw body.
 */
const magic = Buffer.from('stance-hub-object/1\n');
const Header = t.strict({ metadata: t.record(t.string, t.string), size: NonNegativeInt }, 'hub object header');

/** The metadata is at most 8 KiB encoded; JSON escapes can grow it sixfold; anything longer is not our file. */
export const maxHeaderBytes = magic.length + 64 * 1024;

/** The bytes of a stored object, in order, so a writer can `writev` them without copying the body. */
export const objectParts = (body: Buffer, metadata: HubMetadata): Buffer[] => [
  magic,
  Buffer.from(`${canonicalJson({ metadata, size: body.length })}\n`),
  body,
];

export type ParsedHeader =
  | { readonly kind: 'header'; readonly metadata: HubMetadata; readonly size: number; readonly bodyOffset: number }
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'corrupt'; readonly problem: string };

/** Parses the header from the first bytes of a file; `incomplete` asks for more bytes (up to `maxHeaderBytes`). */
export const parseHeader = (head: Buffer): ParsedHeader => {
  const start = Math.min(head.length, magic.length);
  if (!head.subarray(0, start).equals(magic.subarray(0, start)))
    return { kind: 'corrupt', problem: 'it does not start with "stance-hub-object/1"' };
  const end = head.indexOf(0x0a, magic.length);
  if (end < 0) {
    if (head.length < maxHeaderBytes) return { kind: 'incomplete' };
    return { kind: 'corrupt', problem: 'its header is too long' };
  }
  let json: unknown;
  try {
    json = JSON.parse(head.subarray(magic.length, end).toString('utf8'));
  } catch {
    return { kind: 'corrupt', problem: 'its header is not JSON' };
  }
  const decoded = Header.decode(json);
  if (!isRight(decoded)) return { kind: 'corrupt', problem: 'its header is not {metadata, size}' };
  return { kind: 'header', metadata: decoded.right.metadata, size: decoded.right.size, bodyOffset: end + 1 };
};
