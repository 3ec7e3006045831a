import { InvalidInput } from '../../errors.js';

export const maxKeyLength = 1024;
const maxSegmentLength = 255;

/**
 * Keys are printable ASCII because every store agrees on them: file systems that fold case or normalise Unicode
 * (macOS), blob stores that sort by UTF-16 or by UTF-8 bytes. Encode anything else (an origin name) with
 * `encodeURIComponent` first. '\' is out because Azure turns it into '/' and Windows into a separator; a segment may
 * not start with '.' (no '.', '..', hidden or temp files, which the directory hub keeps for itself) nor end with one
 * (Azure and Windows drop trailing dots); at most 255 characters a segment is the common file-name limit.
 */
export const keyRule =
  `1-${maxKeyLength} printable ASCII characters in '/'-separated segments of 1-${maxSegmentLength}, ` +
  `no '\\', no segment starting or ending with '.'`;
const prefixRule = `'' or the start of a key (${keyRule})`;

const printable = /^[\x20-\x7e]*$/;

const segmentProblem = (segment: string): boolean =>
  segment.length === 0 || segment.length > maxSegmentLength || segment.startsWith('.') || segment.endsWith('.');

const charactersOk = (text: string): boolean => printable.test(text) && !text.includes('\\');

/** Returns the key when valid for every hub, else throws `InvalidInput('key', key, ...)`. */
export const checkKey = (key: string, field = 'key'): string => {
  if (
    typeof key !== 'string' ||
    key.length === 0 ||
    key.length > maxKeyLength ||
    !charactersOk(key) ||
    key.split('/').some(segmentProblem)
  )
    throw new InvalidInput(field, key, keyRule);
  return key;
};

/**
 * Returns a valid list prefix: '' or a string whose complete segments are valid key segments; its last segment may
 * be partial (empty after a trailing '/', or the first characters of a segment).
 */
export const checkPrefix = (prefix: string): string => {
  if (typeof prefix !== 'string' || prefix.length > maxKeyLength || !charactersOk(prefix))
    throw new InvalidInput('prefix', prefix, prefixRule);
  const segments = prefix.split('/');
  const complete = segments.slice(0, -1);
  const partial = segments.at(-1) ?? '';
  if (complete.some(segmentProblem) || partial.startsWith('.') || partial.length > maxSegmentLength)
    throw new InvalidInput('prefix', prefix, prefixRule);
  return prefix;
};
