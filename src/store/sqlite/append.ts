import type Database from 'better-sqlite3';
import {
  canonicalJson,
  checksumOf,
  genesisChecksum,
  instantOf,
  type EventMeta,
  type ExpectedRevision,
  type Instant,
  type RecordedEvent,
} from '../../events/index.js';
import type { AppendResult } from '../contract.js';
import { DuplicateEventId, WrongExpectedRevision } from '../errors.js';
import type { PreparedWrite } from '../prepare.js';
import { eventColumns, toRecorded, type EventRow } from './rows.js';

interface Last {
  revision: number;
  checksum: string;
}

/** The statements of one append transaction, prepared once per connection. */
export class Appender {
  private readonly last: Database.Statement<[string, string], Last>;
  private readonly byId: Database.Statement<[string, string], EventRow>;
  private readonly insert: Database.Statement<[string, string, string, number, string, number, string, string, string]>;
  private readonly readClock: Database.Statement<[], { value: string }>;
  private readonly writeClock: Database.Statement<[string]>;
  private readonly rowsAt: Database.Statement<[string, string, number, number], EventRow>;
  /** The meta of events given none, and its canonical text, made once per recordedAt rather than once per event. */
  private bare: { readonly recordedAt: Instant; readonly meta: EventMeta; readonly json: string } | null = null;

  constructor(
    db: Database.Database,
    private readonly origin: string,
  ) {
    this.last = db.prepare(
      'SELECT revision, checksum FROM events WHERE stream = ? AND origin = ? ORDER BY revision DESC LIMIT 1',
    );
    // Ids are unique per origin: another origin's event with the same id is not ours to replay.
    this.byId = db.prepare(`SELECT ${eventColumns} FROM events WHERE origin = ? AND id = ?`);
    this.insert = db.prepare(
      'INSERT INTO events (id, stream, origin, revision, type, schema, data, meta, checksum) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.readClock = db.prepare("SELECT value FROM store_meta WHERE key = 'clock'");
    this.writeClock = db.prepare("INSERT OR REPLACE INTO store_meta (key, value) VALUES ('clock', ?)");
    this.rowsAt = db.prepare(
      `SELECT ${eventColumns} FROM events WHERE stream = ? AND origin = ? AND revision >= ? ORDER BY revision LIMIT ?`,
    );
  }

  /**
   * The hybrid logical clock: wall time, but never behind the newest instant this log has recorded (its own or
   * pulled from elsewhere), so recordedAt never goes backwards within an origin even if the wall clock does; and
   * never frozen: while ahead of the wall clock it still moves forward.
   */
  tick(now: number): Instant {
    const seen = this.readClock.get()?.value;
    const last = seen === undefined ? Number.NEGATIVE_INFINITY : Date.parse(seen);
    // Transactions within one wall-clock millisecond share it; a clock ahead of the wall (a pulled event within the
    // skew bound) moves on by a millisecond a transaction rather than standing still until the wall catches up.
    const at = instantOf(now >= last ? now : last + 1);
    if (at !== seen) this.writeClock.run(at);
    return at;
  }

  /**
   * Moves the clock past an instant seen elsewhere (a pulled event), but never beyond `limit` (the local wall clock
   * plus the allowed skew): a remote clock far ahead cannot drag every later local event with it.
   */
  observe(instant: string, limit: number): void {
    // Past the remote event, so what this origin writes after learning of it folds after it.
    const past = Date.parse(instant) + 1;
    const capped = instantOf(Math.min(past, limit));
    const seen = this.readClock.get()?.value;
    if (seen === undefined || capped > seen) this.writeClock.run(capped);
  }

  /** Runs inside the caller's transaction; throws (and so rolls back) on any refusal. */
  write(write: PreparedWrite, recordedAt: Instant): AppendResult & { fresh: boolean } {
    const first = write.events[0];
    if (first?.idGiven) {
      const existing = this.byId.get(this.origin, first.id);
      if (existing !== undefined) return { ...this.replay(write, existing), fresh: false };
    }
    const last = this.last.get(write.stream, this.origin);
    checkExpected(write.stream, write.expectedRevision, last);
    let prev = last?.checksum ?? genesisChecksum;
    let revision = last === undefined ? -1 : last.revision;
    const events: RecordedEvent[] = [];
    for (const e of write.events) {
      revision += 1;
      let meta: EventMeta;
      let metaJson: string;
      if (e.metaGiven) {
        meta = { ...e.meta, origin: this.origin, recordedAt };
        metaJson = canonicalJson(meta);
      } else {
        if (this.bare?.recordedAt !== recordedAt) {
          // Shared by the events of a transaction, so frozen: a change through one event must not reach another.
          const bare: EventMeta = Object.freeze({ origin: this.origin, recordedAt });
          this.bare = { recordedAt, meta: bare, json: canonicalJson(bare) };
        }
        ({ meta, json: metaJson } = this.bare);
      }
      const checksum = checksumOf(
        { id: e.id, stream: write.stream, revision, type: e.type, schema: e.storedSchema, dataJson: e.dataJson, metaJson },
        prev,
      );
      let position: number;
      try {
        const info = this.insert.run(e.id, write.stream, this.origin, revision, e.type, e.storedSchema, e.dataJson, metaJson, checksum);
        position = Number(info.lastInsertRowid);
      } catch (error) {
        if (isUniqueIdViolation(error))
          throw new DuplicateEventId(e.id, write.stream, 'the id is already in the log (or twice in this batch)');
        throw error;
      }
      events.push({ id: e.id, stream: write.stream, revision, position, type: e.type, schema: e.schema, data: e.data, meta, checksum });
      prev = checksum;
    }
    const tail = events[events.length - 1] as RecordedEvent;
    return { stream: write.stream, revision: tail.revision, position: tail.position, events, fresh: true };
  }

  /** Same ids, same content, same place: the original result. Anything else is a duplicate id. */
  private replay(write: PreparedWrite, existing: EventRow): AppendResult {
    const fail = (reason: string) => new DuplicateEventId(existing.id, write.stream, reason);
    if (existing.stream !== write.stream || existing.origin !== this.origin)
      throw fail(`already written to stream ${existing.stream}`);
    const rows = this.rowsAt.all(write.stream, this.origin, existing.revision, write.events.length);
    if (rows.length !== write.events.length) throw fail('only part of this batch was written before');
    write.events.forEach((e, i) => {
      const row = rows[i] as EventRow;
      if (row.id !== e.id) throw fail(`event ${i} of the batch was written with another id (${row.id})`);
      if (row.type !== e.type || row.data !== e.dataJson) throw fail('already written with other content');
    });
    const events = rows.map(toRecorded);
    const tail = events[events.length - 1] as RecordedEvent;
    return { stream: write.stream, revision: tail.revision, position: tail.position, events };
  }
}

const checkExpected = (stream: string, expected: ExpectedRevision, last: Last | undefined): void => {
  const actual = last === undefined ? 'no_stream' : last.revision;
  const ok =
    expected === 'any' ||
    (expected === 'no_stream' && last === undefined) ||
    (expected === 'stream_exists' && last !== undefined) ||
    expected === actual;
  if (!ok) throw new WrongExpectedRevision(stream, expected, actual);
};

const isUniqueIdViolation = (error: unknown): boolean =>
  error instanceof Error &&
  (error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE' &&
  error.message.includes('events.id');
