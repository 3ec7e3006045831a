import * as t from 'io-ts';

/** A whole number typed on a command line: digits only (no sign, no exponent, no blank), within `min..max`. */
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

/** An optional option: commander leaves a missing one undefined. */
export const optional = <C extends t.Mixed>(codec: C) => t.union([codec, t.undefined]);
