import type { Cell, TableSpec } from '../../../projections/index.js';
import { InvalidInput } from '../../errors.js';
import type { CountQuery, Filter, RowQuery } from '../../ports/read-models.js';
import type { Dialect } from './dialect.js';

export interface Rendered {
  readonly text: string;
  readonly params: Cell[];
}

const check = (spec: TableSpec, column: string): string => {
  if (spec.columns[column] === undefined) throw new Error(`read model ${spec.name} has no column ${column}`);
  return column;
};

/** Renders filters with `?` placeholders (a dialect maps them afterwards), in the order the params go. */
const whereOf = (dialect: Dialect, spec: TableSpec, filters: readonly Filter[], params: Cell[]): string[] =>
  filters.map((f) => {
    if ('anyOf' in f) {
      if (f.anyOf.length === 0) return '0 = 1';
      return `(${f.anyOf.map((group) => (group.length === 0 ? '1 = 1' : `(${whereOf(dialect, spec, group, params).join(' AND ')})`)).join(' OR ')})`;
    }
    const col = dialect.id(check(spec, f.column));
    switch (f.op) {
      case 'is null':
        return `${col} IS NULL`;
      case 'is not null':
        return `${col} IS NOT NULL`;
      case 'in':
      case 'not in': {
        const list = (f.value ?? []) as readonly Cell[];
        if (list.length === 0) return f.op === 'in' ? '0 = 1' : '1 = 1';
        params.push(...list);
        return `${col} ${f.op === 'in' ? 'IN' : 'NOT IN'} (${list.map(() => '?').join(', ')})`;
      }
      default:
        params.push(f.value as Cell);
        return `${col} ${f.op} ?`;
    }
  });

export const renderRows = (dialect: Dialect, spec: TableSpec, table: string, q: RowQuery): Rendered => {
  const params: Cell[] = [];
  const where = whereOf(dialect, spec, q.where ?? [], params);
  const order = q.order ?? [];
  if (q.after !== undefined) {
    const cols = q.after.columns;
    if (cols.length === 0 || cols.length !== q.after.values.length) throw new InvalidInput('after', cols, 'columns and values of one length');
    const desc = order[0]?.desc === true;
    cols.forEach((c, i) => {
      if (order[i]?.column !== c || (order[i]?.desc === true) !== desc) throw new Error(`keyset ${cols.join(',')} must lead the order`);
    });
    // Row values compare column by column, as the keyset order does (SQLite 3.15+, PostgreSQL).
    where.push(`(${cols.map((c) => dialect.id(check(spec, c))).join(', ')}) ${desc ? '<' : '>'} (${cols.map(() => '?').join(', ')})`);
    params.push(...q.after.values);
  }
  const select = q.columns === undefined ? '*' : q.columns.map((c) => dialect.id(check(spec, c))).join(', ');
  let text = `SELECT ${select} FROM ${dialect.table(table)}`;
  if (where.length > 0) text += ` WHERE ${where.join(' AND ')}`;
  if (order.length > 0) text += ` ORDER BY ${order.map((o) => `${dialect.id(check(spec, o.column))}${o.desc ? ' DESC' : ''}`).join(', ')}`;
  if (q.limit !== undefined) {
    text += ' LIMIT ?';
    params.push(q.limit);
  }
  return { text, params };
};

export const renderCount = (dialect: Dialect, spec: TableSpec, table: string, q: CountQuery): Rendered => {
  const params: Cell[] = [];
  const where = whereOf(dialect, spec, q.where ?? [], params);
  const group = q.groupBy === undefined ? null : dialect.id(check(spec, q.groupBy));
  let text = `SELECT ${group ?? 'NULL'} AS key, count(*) AS n FROM ${dialect.table(table)}`;
  if (where.length > 0) text += ` WHERE ${where.join(' AND ')}`;
  if (group !== null) text += ` GROUP BY ${group} ORDER BY ${group}`;
  return { text, params };
};

export const renderMin = (dialect: Dialect, spec: TableSpec, table: string, column: string, filters: readonly Filter[]): Rendered => {
  const params: Cell[] = [];
  const where = whereOf(dialect, spec, filters, params);
  let text = `SELECT min(${dialect.id(check(spec, column))}) AS value FROM ${dialect.table(table)}`;
  if (where.length > 0) text += ` WHERE ${where.join(' AND ')}`;
  return { text, params };
};

/** SELECT of the rows with these keys (single-column keys by IN, composite ones by row values). */
export const renderLoad = (dialect: Dialect, spec: TableSpec, table: string, keys: readonly (readonly Cell[])[]): Rendered => {
  const cols = spec.key.map(dialect.id);
  const params = keys.flat();
  const text =
    cols.length === 1
      ? `SELECT * FROM ${dialect.table(table)} WHERE ${cols[0]} IN (${keys.map(() => '?').join(', ')})`
      : // A row value IN takes a subquery on SQLite: VALUES is one, on both backends.
        `SELECT * FROM ${dialect.table(table)} WHERE (${cols.join(', ')}) IN (VALUES ${keys.map(() => `(${cols.map(() => '?').join(', ')})`).join(', ')})`;
  return { text, params };
};
