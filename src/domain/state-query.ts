import { InvalidInput } from '../errors.js';
import type { Json, JsonRecord } from '../events/index.js';

/**
 * What `state search --where` means, in one place: the read model's index rows (`fieldsOf`) and the check of each
 * candidate (`matches`) follow these rules, and a test holds the search to a plain filter over every state.
 *
 * A field is a scalar (string, number, boolean, null) reached from `data` through objects only (`data.a.b`); arrays
 * and objects are not fields. A key holding `.` or `\` (or an operator) is written with `\` before it. A condition
 * holds only for a state that has the field: `=` the same kind and value; `!=` a field of another kind or value;
 * `<`, `<=`, `>`, `>=` a number against a number or a string against a string (by code point).
 */
export type Scalar = string | number | boolean | null;
export type Op = '=' | '!=' | '<' | '<=' | '>' | '>=';
export interface Condition {
  /** The path below `data`, escaped as written (`a.b`, `dotted\.key`). */
  readonly path: string;
  readonly op: Op;
  readonly value: Scalar;
}

/** One index row: a field's path and its value in the column of its kind. */
export interface FieldRow {
  readonly path: string;
  readonly str: string | null;
  readonly num: number | null;
  /** `true`, `false` or `null`. */
  readonly lit: string | null;
}

const escapeKey = (key: string): string => key.replace(/[\\.=!<>]/g, (c) => `\\${c}`);

/** Every scalar field of `data` with its path, through objects (not arrays), at most `maxDepth` deep. */
export const fieldsOf = (data: JsonRecord, maxDepth = 32): FieldRow[] => {
  const out: FieldRow[] = [];
  const walk = (value: Json, path: string, depth: number): void => {
    if (value === null || typeof value !== 'object') {
      out.push(columnsOf(path, value));
      return;
    }
    if (Array.isArray(value) || depth >= maxDepth) return;
    for (const [key, item] of Object.entries(value as JsonRecord)) walk(item, path === '' ? escapeKey(key) : `${path}.${escapeKey(key)}`, depth + 1);
  };
  for (const [key, item] of Object.entries(data)) walk(item, escapeKey(key), 1);
  return out;
};

const columnsOf = (path: string, value: Scalar): FieldRow => ({
  path,
  str: typeof value === 'string' ? value : null,
  num: typeof value === 'number' ? value : null,
  lit: typeof value === 'boolean' || value === null ? String(value) : null,
});

/** The keys of an escaped path. */
export const keysOf = (path: string): string[] => {
  const keys: string[] = [];
  let current = '';
  for (let i = 0; i < path.length; i += 1) {
    const c = path[i] as string;
    if (c === '\\' && i + 1 < path.length) current += path[(i += 1)] as string;
    else if (c === '.') keys.push(current), (current = '');
    else current += c;
  }
  keys.push(current);
  return keys;
};

/** The scalar at a path, or undefined when there is none (absent, or an object or array). */
export const fieldAt = (data: JsonRecord, path: string): Scalar | undefined => {
  let value: Json | undefined = data;
  for (const key of keysOf(path)) {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !Object.hasOwn(value, key)) return undefined;
    value = (value as JsonRecord)[key];
  }
  return value === undefined || (value !== null && typeof value === 'object') ? undefined : value;
};

/** Code-point order (UTF-8 byte order), as the read model's binary collation sorts: `<` on JS strings is UTF-16 order. */
export const compareText = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

export const holds = (field: Scalar | undefined, c: Condition): boolean => {
  if (field === undefined) return false;
  const v = c.value;
  const same = typeof field === typeof v && (field === v || (field === null && v === null));
  if (c.op === '=') return same;
  if (c.op === '!=') return !same;
  let order: number;
  if (typeof field === 'number' && typeof v === 'number') order = field - v;
  else if (typeof field === 'string' && typeof v === 'string') order = compareText(field, v);
  else return false;
  return c.op === '<' ? order < 0 : c.op === '<=' ? order <= 0 : c.op === '>' ? order > 0 : order >= 0;
};

export const matches = (data: JsonRecord, conditions: readonly Condition[]): boolean =>
  conditions.every((c) => holds(fieldAt(data, c.path), c));

const jsonScalar = /^(?:"(?:[^"\\]|\\.)*"|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)$/;

/** A value as written: JSON when it is a JSON scalar (`100`, `true`, `null`, `"100"`), else the text itself. */
export const scalarOf = (text: string): Scalar => {
  if (!jsonScalar.test(text)) return text;
  const value = JSON.parse(text) as Scalar;
  return typeof value === 'number' && !Number.isFinite(value) ? text : value;
};

/**
 * `data.<path><op><value>`: `data.status=active`, `data.amount>100`, `data.owner.team!="a=b"`. The operator is the
 * first unescaped `=`, `!=`, `<`, `<=`, `>` or `>=` after the path.
 */
export const parseCondition = (text: string, field = 'where'): Condition => {
  const bad = (why: string) => new InvalidInput(field, text, why);
  if (!text.startsWith('data.')) throw bad('data.<path><op><value> (op one of = != < <= > >=)');
  let i = 'data.'.length;
  let path = '';
  for (; i < text.length; i += 1) {
    const c = text[i] as string;
    if (c === '\\' && i + 1 < text.length) {
      path += c + (text[(i += 1)] as string);
      continue;
    }
    if ('=!<>'.includes(c)) break;
    path += c;
  }
  const rest = text.slice(i);
  const op = (['!=', '<=', '>=', '=', '<', '>'] as const).find((o) => rest.startsWith(o));
  if (op === undefined || path === '' || keysOf(path).some((k) => k === '')) throw bad('data.<path><op><value> (op one of = != < <= > >=)');
  const value = scalarOf(rest.slice(op.length));
  if (op !== '=' && op !== '!=' && typeof value !== 'number' && typeof value !== 'string')
    throw bad(`a number or text to compare with ${op} (true, false and null compare with = and != only)`);
  return { path, op, value };
};
