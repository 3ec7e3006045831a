import type Database from 'better-sqlite3';

type Row = Record<string, string | number | null>;

/**
 * Writes a projection row: INSERT when it is new, else an UPDATE of only the columns that changed. SQLite updates
 * only the indexes over the columns an UPDATE sets, so a sighting that moves `last_seen` and `scan_count` leaves
 * the asset, rule and scope indexes alone (INSERT OR REPLACE would rewrite every index). Statements are prepared
 * once per set of changed columns.
 */
export const rowWriter = <R extends object>(db: Database.Database, table: string, key: keyof R & string) => {
  const updates = new Map<string, Database.Statement>();
  let insert: Database.Statement | null = null;
  return (before: R | undefined, after: R): void => {
    const next = after as unknown as Row;
    if (before === undefined) {
      const columns = Object.keys(next);
      insert ??= db.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`);
      insert.run(next);
      return;
    }
    const old = before as unknown as Row;
    const changed = Object.keys(next).filter((c) => c !== key && next[c] !== old[c]);
    if (changed.length === 0) return;
    const id = changed.join(',');
    let update = updates.get(id);
    if (update === undefined)
      updates.set(id, (update = db.prepare(`UPDATE ${table} SET ${changed.map((c) => `${c} = @${c}`).join(', ')} WHERE ${key} = @${key}`)));
    update.run(Object.fromEntries([...changed, key].map((c) => [c, next[c]])));
  };
};
