import { isUtf8 } from 'node:buffer';

/**
 * Well-formed UTF-8 as RFC 3629 (and Unicode table 3-7) define it. Node's own decoding turns every ill-formed byte
 * into U+FFFD, so two distinct byte strings can decode to one id; input from outside is checked here first and
 * refused instead. Overlong forms, surrogates, code points past U+10FFFF and stray continuation bytes are ill-formed.
 */

/** The first byte after a lead byte must lie in this range (narrower than 80-BF for E0, ED, F0 and F4). */
const secondByteRange = (lead: number): readonly [number, number] | null => {
  if (lead >= 0xc2 && lead <= 0xdf) return [0x80, 0xbf];
  if (lead === 0xe0) return [0xa0, 0xbf]; // below A0: an overlong 3-byte form
  if (lead === 0xed) return [0x80, 0x9f]; // above 9F: a UTF-16 surrogate
  if (lead >= 0xe1 && lead <= 0xef) return [0x80, 0xbf];
  if (lead === 0xf0) return [0x90, 0xbf]; // below 90: an overlong 4-byte form
  if (lead === 0xf4) return [0x80, 0x8f]; // above 8F: past U+10FFFF
  if (lead >= 0xf1 && lead <= 0xf3) return [0x80, 0xbf];
  return null; // 80-C1 and F5-FF never start a sequence
};
const lengthOf = (lead: number): number => (lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4);

/**
 * How many bytes the sequence at `i` takes: its length when well-formed, 0 when ill-formed, -1 when it is cut short
 * by `end` (well-formed so far).
 */
const sequenceAt = (bytes: Uint8Array, i: number, end: number): number => {
  const lead = bytes[i] as number;
  if (lead < 0x80) return 1;
  const range = secondByteRange(lead);
  if (range === null) return 0;
  const length = lengthOf(lead);
  for (let k = 1; k < length; k += 1) {
    if (i + k >= end) return -1;
    const b = bytes[i + k] as number;
    const [low, high] = k === 1 ? range : [0x80, 0xbf];
    if (b < low || b > high) return 0;
  }
  return length;
};

/** Offset of the first byte of the first ill-formed sequence (a sequence cut short by the end counts), or -1. */
export const invalidUtf8At = (bytes: Uint8Array): number => {
  if (isUtf8(bytes)) return -1; // the common case, at native speed
  for (let i = 0; i < bytes.length; ) {
    const n = sequenceAt(bytes, i, bytes.length);
    if (n <= 0) return i;
    i += n;
  }
  return -1;
};

/**
 * For a chunk of a longer input: the offset of an ill-formed sequence (or -1), and where the chunk's whole sequences
 * end; the bytes after `complete` begin a sequence the next chunk may complete.
 */
export const checkUtf8Chunk = (bytes: Uint8Array): { readonly invalidAt: number; readonly complete: number } => {
  // A sequence is at most 4 bytes: only the last 3 can be cut short.
  let complete = bytes.length;
  for (let i = Math.max(0, bytes.length - 3); i < bytes.length; i += 1)
    if ((bytes[i] as number) >= 0xc0 && sequenceAt(bytes, i, bytes.length) === -1) {
      complete = i;
      break;
    }
  return { invalidAt: invalidUtf8At(bytes.subarray(0, complete)), complete };
};

/** How many bytes of the ill-formed sequence at `at` to show: its lead up to the first byte that breaks it. */
const badSpan = (bytes: Uint8Array, at: number): number => {
  const lead = bytes[at] as number;
  const range = secondByteRange(lead);
  if (range === null) return 1;
  for (let k = 1; k < lengthOf(lead); k += 1) {
    if (at + k >= bytes.length) return k;
    const b = bytes[at + k] as number;
    const [low, high] = k === 1 ? range : [0x80, 0xbf];
    if (b < low || b > high) return k + 1;
  }
  return lengthOf(lead);
};

/** `bytes c0 af at offset 17`: the ill-formed sequence and where it starts in the whole input (`base` + `at`). */
export const describeUtf8Error = (bytes: Uint8Array, at: number, base = 0): string => {
  const shown = Array.from(bytes.subarray(at, at + badSpan(bytes, at)));
  const hex = shown.map((b) => b.toString(16).padStart(2, '0')).join(' ');
  return `${shown.length > 1 ? 'bytes' : 'byte'} ${hex} at offset ${base + at}`;
};
