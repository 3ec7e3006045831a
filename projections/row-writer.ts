import type Database from 'better-sqlite3';

type Row = Record<string, string | number | null>;

/**
 * Writes a projection row: INSERT when it is new, else an UPDATE of only the columns that changed. SQLite updates
 * only the indexes over the columns an UPDATE sets, so a sighting that moves `last_seen` and `scan_count` leaves
 * the asset, rule and scope indexes alone (INSERT OR REPLACE would rewrite every index). Statements are prepared
 * once per set of changed columns and bound by position: better-sqlite3 binds a named parameter by looking its
 * name up in an object, which costs more than the update itself on these narrow changes.
 */
export const rowWriter = <R extends object>(db: Database.Database, table: string, key: keyof R & string) => {
  const updates = new Map<string, Database.Statement<unknown[]>>();
  let insert: Database.Statement<unknown[]> | null = null;
  let insertColumns: string[] = [];
  const changed: string[] = [];
  const values: unknown[] = [];
  return (before: R | undefined, after: R): void => {
    const next = after as unknown as Row;
    if (before === undefined) {
      if (insert === null) {
        insertColumns = Object.keys(next);
        insert = db.prepare(`INSERT INTO ${table} (${insertColumns.join(', ')}) VALUES (${insertColumns.map(() => '?').join(', ')})`);
      }
      values.length = 0;
      for (const c of insertColumns) values.push(next[c]);
      insert.run(values);
      return;
    }
    const old = before as unknown as Row;
    changed.length = 0;
    values.length = 0;
    for (const c in next) {
      if (c !== key && next[c] !== old[c]) {
        changed.push(c);
        values.push(next[c]);
      }
    }
    if (changed.length === 0) return;
    values.push(next[key]);
    const id = changed.join(',');
    let update = updates.get(id);
    if (update === undefined)
      updates.set(id, (update = db.prepare(`UPDATE ${table} SET ${changed.map((c) => `${c} = ?`).join(', ')} WHERE ${key} = ?`)));
    update.run(values);
  };
};
