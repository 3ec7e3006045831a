import * as t from 'io-ts';

/** An identifier from outside: non-empty, at most 512 characters, no control characters. */
export const Id = t.refinement(
  t.string,
  (s) => s.length > 0 && s.length <= 512 && !hasControl(s),
  'Id (1-512 characters, no control characters)',
);
export type Id = t.TypeOf<typeof Id>;

// eslint-disable-next-line no-control-regex
const controlChars = /[\u0000-\u001f\u007f]/;
export const hasControl = (s: string): boolean => controlChars.test(s);

/** Free text from a person (a reason, a note): bounded, single line or not, but no NUL or other C0 controls but \n \t. */
export const Text = t.refinement(
  t.string,
  (s) => s.length <= 10_000 && !/[\u0000-\u0008\u000b-\u001f\u007f]/.test(s),
  'text (at most 10000 characters, no control characters)',
);
export type Text = t.TypeOf<typeof Text>;

/** Exported so declaration files can name it (the library ships .d.ts). */
export interface InstantBrand {
  readonly Instant: unique symbol;
}
/** Canonical UTC text with milliseconds (`2026-01-01T00:00:00.000Z`): it sorts as time sorts. */
export const Instant = t.brand(
  t.string,
  (s): s is t.Branded<string, InstantBrand> => isCanonicalInstant(s),
  'Instant',
);
export type Instant = t.TypeOf<typeof Instant>;

const instantShape = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
// The last instant accepted: a batch's events share their instants, and the full check (a parse and a format)
// runs for every instant field of every event appended.
let lastInstant = '';
const isCanonicalInstant = (s: string): boolean => {
  if (s === lastInstant) return true;
  if (!instantShape.test(s)) return false;
  const ms = Date.parse(s);
  if (!(Number.isFinite(ms) && new Date(ms).toISOString() === s)) return false;
  lastInstant = s;
  return true;
};

/** The canonical Instant of a Date (or of epoch milliseconds). */
export const instantOf = (at: Date | number): Instant => new Date(at).toISOString() as Instant;

export const NonNegativeInt = t.refinement(t.number, (n) => Number.isSafeInteger(n) && n >= 0, 'non-negative integer');
export type NonNegativeInt = t.TypeOf<typeof NonNegativeInt>;

export const NonNegativeNumber = t.refinement(t.number, (n) => Number.isFinite(n) && n >= 0, 'non-negative number');

export const orNull = <C extends t.Mixed>(codec: C) => t.union([codec, t.null], `${codec.name} or null`);

/** A JSON value: what survives canonical JSON unchanged (finite numbers, no undefined, plain objects). */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };
const isJson = (v: unknown, depth = 0): v is Json => {
  if (depth > 32) return false;
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every((x) => isJson(x, depth + 1));
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype)
    return Object.values(v).every((x) => isJson(x, depth + 1));
  return false;
};
const isJsonRecord = (u: unknown): u is Record<string, Json> =>
  typeof u === 'object' && u !== null && !Array.isArray(u) && isJson(u);
export const JsonRecord = new t.Type<Record<string, Json>, Record<string, Json>, unknown>(
  'JSON object',
  isJsonRecord,
  (u, c) => (isJsonRecord(u) ? t.success(u) : t.failure(u, c)),
  t.identity,
);
export type JsonRecord = t.TypeOf<typeof JsonRecord>;

/** A whole number typed as text (a CLI argument, a query parameter): digits only, no sign, exponent or blank, within `min..max`. */
export const IntFromString = (name: string, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  new t.Type<number, string, unknown>(
    name,
    (u): u is number => typeof u === 'number' && Number.isSafeInteger(u) && u >= min && u <= max,
    (u, c) => {
      if (typeof u !== 'string' || !/^\d{1,16}$/.test(u)) return t.failure(u, c);
      const n = Number(u);
      return Number.isSafeInteger(n) && n >= min && n <= max ? t.success(n) : t.failure(u, c);
    },
    String,
  );

/** An optional field: commander leaves a missing option undefined, a query or body simply lacks it. */
export const optional = <C extends t.Mixed>(codec: C) => t.union([codec, t.undefined], codec.name);
