import type Database from 'better-sqlite3';
import { instantOf, type EventMeta, type RecordedEvent } from '../../events/index.js';
import { checkForeignEvent, placeOnChain, type CappedEvent, type Divergence, type ImportOutcome, type ImportRules } from '../foreign.js';
import { InvalidInput } from '../../errors.js';

export type { CappedEvent, Divergence, ImportOutcome, ImportRules } from '../foreign.js';

interface Tail {
  revision: number;
  checksum: string;
}

/**
 * Appends events recorded by other replicas, keeping their id, stream, origin, revision, meta and checksum.
 * Every event is checked first: its envelope, its data against its type's codec, and its checksum against the
 * previous event of the same stream and origin (here or earlier in the batch). A gap, a bad checksum or a bad
 * field rejects the whole batch before anything is written. An event already here with the same checksum is
 * skipped; one with another checksum is a diverged history: it is reported, never written over, and the rest of
 * that stream's chain in the batch is set aside with it.
 */
export class Importer {
  private readonly tail: Database.Statement<[string, string], Tail>;
  private readonly at: Database.Statement<[string, string, number], { checksum: string }>;
  private readonly insert: Database.Statement<
    [string, string, string, number, string, number, string, string, string, string | null]
  >;

  constructor(private readonly db: Database.Database) {
    this.tail = db.prepare(
      'SELECT revision, checksum FROM events WHERE stream = ? AND origin = ? ORDER BY revision DESC LIMIT 1',
    );
    this.at = db.prepare('SELECT checksum FROM events WHERE stream = ? AND origin = ? AND revision = ?');
    this.insert = db.prepare(
      'INSERT INTO events (id, stream, origin, revision, type, schema, data, meta, checksum, fold_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
  }

  /** Checks and writes; runs inside the caller's transaction, so a throw leaves the log as it was. */
  write(input: readonly unknown[], rules: ImportRules, where = 'events'): ImportOutcome & { newest: string | null } {
    const events = input.map((raw, i) => checkForeignEvent(raw, `${where}[${i}]`));
    const chains = new Map<string, Tail | null | 'diverged'>();
    const imported: RecordedEvent[] = [];
    const diverged: Divergence[] = [];
    const capped: CappedEvent[] = [];
    const cap = rules.foldCap === null ? null : instantOf(rules.foldCap);
    let skipped = 0;
    let ignored = 0;
    let newest: string | null = null;
    events.forEach((checked, i) => {
      const { event: e, dataJson, metaJson, current } = checked;
      const key = `${e.stream}\u0000${e.meta.origin}`;
      let chain = chains.get(key);
      if (chain === 'diverged') return;
      if (chain === undefined) chains.set(key, (chain = this.tail.get(e.stream, e.meta.origin) ?? null));
      const placed = placeOnChain(checked, chain, (revision) => this.at.get(e.stream, e.meta.origin, revision)?.checksum, `${where}[${i}]`);
      if (placed.kind === 'skip') {
        skipped += 1;
        return;
      }
      if (placed.kind === 'diverged') {
        diverged.push(placed.divergence);
        chains.set(key, 'diverged');
        return;
      }
      chains.set(key, placed.tail);
      if (rules.ignore?.(e) === true) {
        ignored += 1;
        return;
      }
      const foldAt = cap !== null && e.meta.recordedAt > cap ? cap : null;
      if (foldAt !== null) capped.push({ id: e.id, origin: e.meta.origin, stream: e.stream, recordedAt: e.meta.recordedAt, foldAt });
      let position: number;
      try {
        const info = this.insert.run(e.id, e.stream, e.meta.origin, e.revision, e.type, e.schema, dataJson, metaJson, e.checksum, foldAt);
        position = Number(info.lastInsertRowid);
      } catch (error) {
        if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE')
          throw new InvalidInput(`${where}[${i}].id`, e.id, `an event id ${e.meta.origin} has not used for another event`);
        throw error;
      }
      const folds = foldAt ?? e.meta.recordedAt;
      if (newest === null || folds > newest) newest = folds;
      imported.push({ id: e.id, stream: e.stream, revision: e.revision, position, type: e.type, schema: current.schema, data: current.data, meta: e.meta as EventMeta, checksum: e.checksum });
    });
    return { imported, skipped, ignored, diverged, capped, newest };
  }
}
