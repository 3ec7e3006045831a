import type Database from 'better-sqlite3';
import { checksumOf, genesisChecksum, instantOf, type EventMeta, type RecordedEvent } from '../../events/index.js';
import { checkForeignEvent, type CappedEvent, type Divergence, type ImportOutcome, type ImportRules } from '../foreign.js';
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
    events.forEach(({ event: e, dataJson, metaJson, data }, i) => {
      const key = `${e.stream}\u0000${e.meta.origin}`;
      let chain = chains.get(key);
      if (chain === 'diverged') return;
      if (chain === undefined) chains.set(key, (chain = this.tail.get(e.stream, e.meta.origin) ?? null));
      const next = chain === null ? 0 : chain.revision + 1;
      if (e.revision < next) {
        const local = this.at.get(e.stream, e.meta.origin, e.revision)?.checksum;
        if (local === e.checksum) {
          skipped += 1;
          return;
        }
        // Same origin, stream and revision, other content: a diverged history (a replica restored from an old
        // backup wrote again). The local event stays; the policy decides what to record.
        diverged.push({ stream: e.stream, origin: e.meta.origin, revision: e.revision, localChecksum: local ?? '', remoteChecksum: e.checksum, remote: e });
        chains.set(key, 'diverged');
        return;
      }
      if (e.revision > next)
        throw new InvalidInput(`${where}[${i}].revision`, e.revision, `${next} (the next revision of ${e.stream} from ${e.meta.origin}; earlier events are missing)`);
      const prev = chain?.checksum ?? genesisChecksum;
      const computed = checksumOf({ id: e.id, stream: e.stream, revision: e.revision, type: e.type, schema: e.schema, dataJson, metaJson }, prev);
      if (computed !== e.checksum)
        throw new InvalidInput(`${where}[${i}].checksum`, e.checksum, `${computed} (the event or the chain before it was altered)`);
      chains.set(key, { revision: e.revision, checksum: e.checksum });
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
      imported.push({ id: e.id, stream: e.stream, revision: e.revision, position, type: e.type, schema: e.schema, data, meta: e.meta as EventMeta, checksum: e.checksum });
    });
    return { imported, skipped, ignored, diverged, capped, newest };
  }
}
