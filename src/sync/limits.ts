import { InvalidInput } from '../errors.js';

/**
 * What a replica reads of one hub object at most. Everything on a hub is untrusted: a tiny gzip can inflate to
 * gigabytes, a line can be a whole object, and JSON nesting can exhaust the stack, so each is capped before it is
 * read, and an object over a cap is refused (its origin waits; other origins go on).
 */
export interface SyncLimits {
  /** Stored (compressed, maybe sealed) size of a batch. */
  readonly maxObjectBytes: number;
  /** Size after decompression. */
  readonly maxBodyBytes: number;
  /** One event's line. */
  readonly maxLineBytes: number;
  /** JSON nesting of one line. */
  readonly maxDepth: number;
  /** Events in one batch. */
  readonly maxEvents: number;
}

export const defaultLimits: SyncLimits = {
  maxObjectBytes: 64 * 1024 * 1024,
  maxBodyBytes: 64 * 1024 * 1024,
  maxLineBytes: 4 * 1024 * 1024,
  maxDepth: 64,
  maxEvents: 100_000,
};

/** What push puts in one batch at most, well inside every default cap, so an honest batch is never refused. */
export const pushBudgetBytes = 16 * 1024 * 1024;

/** Trust files and credentials are small: at most this many bytes are read of one. */
export const maxTrustObjectBytes = 256 * 1024;

/**
 * The deepest nesting of a JSON text, counted without parsing (strings skipped), stopping as soon as it passes
 * `max`: `JSON.parse` recurses, and a 100k-deep array would throw a RangeError from deep inside it.
 */
export const jsonDepthExceeds = (text: string, max: number): boolean => {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i += 1; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth += 1;
      if (depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth -= 1;
  }
  return false;
};

/** Parses JSON of at most `maxDepth` levels; a deeper or malformed text is an InvalidInput naming `field`. */
export const parseBoundedJson = (text: string, maxDepth: number, field: string): unknown => {
  if (jsonDepthExceeds(text, maxDepth)) throw new InvalidInput(field, `${text.slice(0, 24)}…`, `JSON nested at most ${maxDepth} deep`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new InvalidInput(field, text.slice(0, 60), 'JSON');
  }
};
