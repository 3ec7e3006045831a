import type { IndexSpec, TableSpec } from '../../../projections/index.js';
import type { Dialect } from './dialect.js';

/** Maps a logical table or index name to the physical one (a rebuild writes to shadow names, then swaps). */
export type Namer = (logical: string) => string;

const literal = (spec: TableSpec, column: string, value: string | undefined): string => {
  const type = spec.columns[column]?.type;
  if (value === undefined) return 'NULL';
  return type === 'text' ? `'${value.replace(/'/g, "''")}'` : String(Number(value));
};

const indexDdl = (dialect: Dialect, spec: TableSpec, table: string, index: IndexSpec, name: string): string => {
  const where = index.where;
  const filter =
    where === undefined
      ? ''
      : ` WHERE ${dialect.id(where.column)} ${where.op === 'is not null' ? 'IS NOT NULL' : `${where.op} ${literal(spec, where.column, where.value)}`}`;
  return `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${dialect.id(name)} ON ${dialect.table(table)} (${index.columns.map(dialect.id).join(', ')})${filter}`;
};

/** CREATE TABLE for a table spec under a physical name. */
export const tableDdl = (dialect: Dialect, spec: TableSpec, table: string): string => {
  const cols = Object.entries(spec.columns).map(
    ([name, c]) => `${dialect.id(name)} ${dialect.type(c.type)}${c.binary ? dialect.binary : ''}${c.nullable ? '' : ' NOT NULL'}`,
  );
  return `CREATE TABLE ${dialect.table(table)} (${cols.join(', ')}, PRIMARY KEY (${spec.key.map(dialect.id).join(', ')}))${dialect.tableSuffix}`;
};

/**
 * The indexes of a table. Index names carry the table's generation (`findings_by_asset__g3`) so a rebuilt table's
 * indexes never clash with the live one's, and a swap renames tables only.
 */
export const indexDdls = (dialect: Dialect, spec: TableSpec, table: string, generation: number): string[] =>
  (spec.indexes ?? []).map((index) => indexDdl(dialect, spec, table, index, `${index.name}__g${generation}`));
