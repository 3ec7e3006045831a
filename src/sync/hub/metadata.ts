import { InvalidInput } from '../../errors.js';
import type { HubMetadata } from './storage.js';

/**
 * Azure's rules bound every hub, so a batch written to a directory hub could be copied to Azure unchanged: names
 * must be C# identifiers and come back lower-cased (they travel as `x-ms-meta-<name>` headers), and all names and
 * values together hold at most 8 KiB. Empty values are out because Azure drops them silently.
 */
const keyShape = /^[a-z_][a-z0-9_]{0,63}$/;
const keyRule = 'a metadata name: a lower-case letter or _, then lower-case letters, digits or _ (at most 64)';
export const maxMetadataBytes = 8192;

/** Printable ASCII but '%' stays as is in a header value; everything else is percent-encoded as UTF-8. */
const needsEscape = /[^\x21-\x24\x26-\x7e]/gu;

/**
 * A metadata value as an HTTP header can carry it: the value's UTF-8 percent-encoded where it is not printable
 * ASCII (space, '%', controls, non-ASCII). Readable for the values sync writes (hex digests, counts, instants).
 * Throws URIError on a lone surrogate, which `checkMetadata` rules out first.
 */
export const encodeMetadataValue = (value: string): string => value.replace(needsEscape, (c) => encodeURIComponent(c));

/** The inverse of `encodeMetadataValue`; null when the text is not such an encoding (a value some other tool set). */
export const decodeMetadataValue = (encoded: string): string | null => {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return null;
  }
};

/** Returns a plain copy of valid metadata, else throws `InvalidInput` naming the bad name or value. */
export const checkMetadata = (metadata: HubMetadata): HubMetadata => {
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata))
    throw new InvalidInput('metadata', metadata, 'an object of text values');
  const copy: HubMetadata = {};
  let bytes = 0;
  for (const [key, value] of Object.entries(metadata)) {
    // '__proto__' fits the shape but would set the copy's prototype instead of a property.
    if (!keyShape.test(key) || key === '__proto__') throw new InvalidInput('metadata', key, keyRule);
    if (typeof value !== 'string' || value.length === 0 || !isWellFormed(value))
      throw new InvalidInput(`metadata.${key}`, value, 'non-empty text (no lone surrogates)');
    bytes += key.length + encodeMetadataValue(value).length;
    copy[key] = value;
  }
  if (bytes > maxMetadataBytes)
    throw new InvalidInput('metadata', `${bytes} bytes`, `at most ${maxMetadataBytes} bytes of names and values`);
  return copy;
};

// String.prototype.isWellFormed is in Node 20 but not in the ES2023 lib this project compiles against.
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const isWellFormed = (s: string): boolean => !loneSurrogate.test(s);
