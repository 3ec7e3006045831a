import { Described, InvalidInput } from '../errors.js';
import { describeUtf8Error, invalidUtf8At } from './utf8.js';

/**
 * JSON text from outside, before it is parsed. JSON.parse itself takes any depth, but every recursive walk after it
 * (codecs, canonical JSON, JSON.stringify) overflows the stack on a 100,000-deep array: nesting is bounded first.
 */

/** Deepest nesting of arrays and objects accepted in a body, an import record or a line (events need far less). */
export const maxJsonNesting = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Index just past the string literal opening at `i` (its closing quote), or text.length when it is not closed. */
const stringEnd = (text: string, i: number): number => {
  for (let j = i + 1; j < text.length; j += 1) {
    const c = text.charCodeAt(j);
    if (c === BACKSLASH) j += 1;
    else if (c === QUOTE) return j + 1;
  }
  return text.length;
};

/** Index of the `[` or `{` that opens level `limit + 1`, or -1 when the text nests no deeper than `limit`. */
export const nestingBeyond = (text: string, limit = maxJsonNesting): number => {
  let depth = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (c === '"') i = stringEnd(text, i) - 1;
    else if (c === '[' || c === '{') {
      depth += 1;
      if (depth > limit) return i;
    } else if (c === ']' || c === '}') depth -= 1;
  }
  return -1;
};

interface Level {
  readonly array: boolean;
  /** The current key (an object: null before its first) or index (an array). */
  at: string | number | null;
}

/** Formats a path as the field names in messages: `findings[2].asset_id`. */
export const fieldOf = (path: readonly (string | number)[]): string =>
  path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');

/**
 * The path of the value being written where a JSON text is cut short (`findings[2].asset_id`; '' at the top): where
 * a body or record turned out to hold bytes that are not UTF-8. Lenient: it only follows the structure.
 */
export const jsonPathAt = (prefix: string): string => {
  const stack: Level[] = [];
  let expectKey = false;
  for (let i = 0; i < prefix.length; i += 1) {
    const c = prefix[i];
    const top = stack[stack.length - 1];
    if (c === '"') {
      const end = stringEnd(prefix, i);
      if (top !== undefined && !top.array && expectKey) {
        top.at = keyText(prefix.slice(i, end));
        expectKey = false;
      }
      i = end - 1;
    } else if (c === '{') {
      stack.push({ array: false, at: null });
      expectKey = true;
    } else if (c === '[') stack.push({ array: true, at: 0 });
    else if (c === '}' || c === ']') stack.pop();
    else if (c === ',' && top !== undefined) {
      if (top.array) top.at = (top.at as number) + 1;
      else expectKey = true;
    }
  }
  return fieldOf(stack.flatMap((level) => (level.at === null ? [] : [level.at])));
};

/** A key's text from its literal; one cut short (the bad bytes are in the key itself) is shown as far as it goes. */
const keyText = (literal: string): string => {
  try {
    return JSON.parse(literal) as string;
  } catch {
    return literal.slice(1);
  }
};

/** `line 3` and `asset_id` make `line 3.asset_id`; `records` and `[2]` make `records[2]`. */
const within = (where: string, path: string): string =>
  where === '' ? path : path === '' ? where : `${where}${path.startsWith('[') ? '' : '.'}${path}`;

/**
 * JSON bytes from outside as text, checked before parsing: UTF-8 (else the field holding the first ill-formed
 * sequence is named, with its byte offset: `base` is where the bytes start in a file), nested at most
 * `maxJsonNesting` deep. `where` names the input in messages (`line 3`; '' for a body, whose fields are top-level).
 */
export const jsonTextOf = (bytes: Buffer, where: string, base = 0): string => {
  const bad = invalidUtf8At(bytes);
  if (bad >= 0) {
    const path = jsonPathAt(bytes.subarray(0, bad).toString('utf8'));
    throw new InvalidInput(within(where, path) || 'body', new Described(describeUtf8Error(bytes, bad, base)), 'UTF-8 text');
  }
  const text = bytes.toString('utf8');
  const deep = nestingBeyond(text);
  if (deep >= 0) throw tooDeep(where || 'body', text, deep);
  return text;
};

/** The refusal of a text nested too deep, showing where the nesting starts to run away. */
export const tooDeep = (where: string, text: string, at: number): InvalidInput =>
  new InvalidInput(where, text.slice(Math.max(0, at - 20), at + 20), `JSON nested at most ${maxJsonNesting} levels deep`);
