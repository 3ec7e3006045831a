import type { ColumnType } from '../../../projections/index.js';

/** What differs between the SQL of the backends that hold read models: types, placeholders, table options. */
export interface Dialect {
  readonly name: 'sqlite' | 'postgres';
  type(type: ColumnType): string;
  /** The n-th (1-based) bind parameter. */
  param(n: number): string;
  /** Appended to a binary text column (see Column.binary). */
  readonly binary: string;
  /** Appended to CREATE TABLE. */
  readonly tableSuffix: string;
  /** Quotes an identifier (our names are plain, but a column named `by` or `key` is a keyword somewhere). */
  id(name: string): string;
}

export const sqlite: Dialect = {
  name: 'sqlite',
  type: (t) => (t === 'text' ? 'TEXT' : t === 'integer' ? 'INTEGER' : 'REAL'),
  param: () => '?',
  // BINARY is SQLite's default collation: memcmp of UTF-8, code point order.
  binary: '',
  tableSuffix: ' STRICT',
  id: (name) => `"${name}"`,
};

export const postgres: Dialect = {
  name: 'postgres',
  type: (t) => (t === 'text' ? 'text' : t === 'integer' ? 'bigint' : 'double precision'),
  param: (n) => `$${n}`,
  binary: ' COLLATE "C"',
  tableSuffix: '',
  id: (name) => `"${name}"`,
};

/** Renders text written with `?` placeholders in the dialect's own. */
export const placeholders = (dialect: Dialect, text: string): string => {
  if (dialect.name === 'sqlite') return text;
  let n = 0;
  return text.replace(/\?/g, () => dialect.param((n += 1)));
};
