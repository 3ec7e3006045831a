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
  /** A table's name as statements write it: quoted, and qualified by the schema where the backend has one. */
  table(name: string): string;
}

export const sqlite: Dialect = {
  name: 'sqlite',
  type: (t) => (t === 'text' ? 'TEXT' : t === 'integer' ? 'INTEGER' : 'REAL'),
  param: () => '?',
  // BINARY is SQLite's default collation: memcmp of UTF-8, code point order.
  binary: '',
  tableSuffix: ' STRICT',
  id: (name) => `"${name}"`,
  table: (name) => `"${name}"`,
};

/**
 * PostgreSQL, with tables in one deployment's schema. Text columns compare byte-wise (`COLLATE "C"`), as SQLite's
 * BINARY does, whatever the database's locale: orders, keyset pages and range filters agree on both backends.
 */
export const postgresIn = (schema: string): Dialect => ({
  name: 'postgres',
  type: (t) => (t === 'text' ? 'text COLLATE "C"' : t === 'integer' ? 'bigint' : 'double precision'),
  param: (n) => `$${n}`,
  // Every text column is already `COLLATE "C"` (above); a second COLLATE clause is a syntax error.
  binary: '',
  tableSuffix: '',
  id: (name) => `"${name}"`,
  table: (name) => `"${schema}"."${name}"`,
});

export const postgres: Dialect = postgresIn('public');

/** Renders text written with `?` placeholders in the dialect's own. */
export const placeholders = (dialect: Dialect, text: string): string => {
  if (dialect.name === 'sqlite') return text;
  let n = 0;
  return text.replace(/\?/g, () => dialect.param((n += 1)));
};
