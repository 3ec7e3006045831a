import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { checkpointIdOf, checkpointStreamOf, legacyCheckpointStreamOf, type CheckpointKey, type MergeContext } from '../domain/index.js';
import { InvalidInput } from '../errors.js';
import type { Backend } from '../ports/backend.js';
import type { VerifyReport } from '../ports/log.js';
import type { LogCopy, StoredEvent, StoredRefusal, StreamCount } from '../ports/migrate.js';
import { checkpointKind } from './checkpoints.js';
import type { EntityKind } from './decide.js';
import { findingKind } from './findings.js';
import { jobKind } from './job-records.js';
import { scanKind } from './scans.js';
import { sessionKind } from './session-records.js';
import { stateKind } from './state-records.js';
import { verifyBodies, type BodiesReport } from './verify-bodies.js';

/** One side of a migration: the backend (folds, read models, bodies) and its stored rows. */
export interface MigrationSide {
  readonly backend: Backend;
  readonly copy: LogCopy;
}

const sameRow = (a: StoredEvent | undefined, b: StoredEvent | undefined): boolean =>
  a !== undefined && b !== undefined && a.position === b.position && a.id === b.id && a.origin === b.origin && a.checksum === b.checksum;

/**
 * What the target may hold before a copy: nothing, or a part of this very source at the same positions (a run that
 * was stopped or killed). Positions are kept by the copy and rows are written in position order, one transaction a
 * page, so a partial copy is a prefix: its first and last rows must be the source's rows at those positions. Anything
 * else is refused naming what differs, before anything is written. Returns the position to continue after.
 */
export const checkTarget = async (source: LogCopy, sourceOrigin: string, target: LogCopy, targetOrigin: string): Promise<number> => {
  await checkTargetAudit(source, target);
  const head = await target.headPosition();
  if (head === 0) return 0;
  if (targetOrigin !== sourceOrigin)
    throw new InvalidInput('--to', `origin ${targetOrigin}`, `an empty store or a partial copy of this one (origin ${sourceOrigin})`);
  const first = await target.firstPosition();
  for (const position of [first, head]) {
    const [mine] = await target.page(position - 1, 1);
    const [theirs] = await source.page(position - 1, 1);
    if (!sameRow(mine, theirs))
      throw new InvalidInput(
        '--to',
        `event ${mine?.id ?? '?'} at position ${position}`,
        theirs?.position === position
          ? `an empty store or a partial copy of this one (the source holds event ${theirs.id} there)`
          : 'an empty store or a partial copy of this one (the source holds no event there)',
      );
  }
  return head;
};

/**
 * Whether two opened stores are one store under two names (`localhost` and `127.0.0.1`, a DNS alias, another port
 * forwarded to the same server): a mark written through the source is read back through the target.
 */
export const sameStore = async (source: LogCopy, target: LogCopy): Promise<boolean> => {
  const mark = randomUUID();
  await source.putProbe(mark);
  try {
    return (await target.readProbe()) === mark;
  } finally {
    await source.putProbe(null);
  }
};

const sameRefusal = (a: StoredRefusal | undefined, b: StoredRefusal | undefined): boolean =>
  a !== undefined && b !== undefined && isDeepStrictEqual(a, b);

/**
 * The access audit follows the log's rule: the target's is empty, or a part of the source's at the same numbers (a
 * copy that was stopped): its first and last rows are the source's rows at those numbers. A target whose own
 * refusals were recorded there is refused before anything is written, so no refusal is lost or passed off as the
 * source's.
 */
const checkTargetAudit = async (source: LogCopy, target: LogCopy): Promise<void> => {
  const head = await target.refusalHead();
  if (head === 0) return;
  const [first] = await target.refusals(0, 1);
  for (const seq of [first?.seq ?? head, head]) {
    const [mine] = await target.refusals(seq - 1, 1);
    const [theirs] = await source.refusals(seq - 1, 1);
    if (!sameRefusal(mine, theirs?.seq === seq ? theirs : undefined))
      throw new InvalidInput(
        '--to',
        `access audit row ${seq} (${mine?.method ?? '?'} ${mine?.route ?? '?'} at ${mine?.at ?? '?'})`,
        'a store whose access audit is empty or a partial copy of this one',
      );
  }
};

export interface CopyProgress {
  /** Events copied by this run. */
  readonly copied: number;
  /** The last position copied. */
  readonly position: number;
  /** The source's head as last seen. */
  readonly head: number;
}

export interface CopyOptions {
  readonly batchSize: number;
  readonly onProgress?: (progress: CopyProgress) => void;
}

/**
 * Copies the source's rows after `from` into the target, a page per transaction, until a page comes back empty: a
 * pass follows what writers append meanwhile (positions become visible in order on both backends, so paging by
 * position skips nothing). Returns the last position copied and how many events were.
 */
export const copyPass = async (source: LogCopy, target: LogCopy, from: number, copiedBefore: number, options: CopyOptions): Promise<{ position: number; copied: number }> => {
  let position = from;
  let copied = copiedBefore;
  let head = await source.headPosition();
  for (;;) {
    const page = await source.page(position, options.batchSize);
    const last = page[page.length - 1];
    if (last === undefined) return { position, copied };
    await target.insert(page);
    position = last.position;
    copied += page.length;
    if (position > head) head = await source.headPosition();
    options.onProgress?.({ copied, position, head });
  }
};

/** Refusals copied per transaction. */
const auditPage = 500;

/**
 * What lives beside the log and gives it meaning: the hybrid clock (so the target's next event is recorded after
 * every copied one), the write schemas (`schema write`), the bodies the log names (content-addressed, so a body
 * already there is the same body), the consumers' positions (valid as they are, since positions are kept), and the
 * access audit (refused writes, evidence kept at their own numbers). Returns what was copied, and the audit number
 * copied up to. The conflict policy is set by `project` (a change of it refolds the read models).
 */
export const copyBeside = async (source: MigrationSide, target: MigrationSide): Promise<BesideCopied> => {
  const clock = await source.copy.clock();
  if (clock !== null) await target.copy.raiseClock(clock);
  // The schemas the deployment's writers were told to write: the copy's writers must write the same.
  for (const [type, schema] of await source.backend.log.writeSchemas()) await target.backend.log.setWriteSchema(type, schema);
  let bodies = 0;
  let after: string | undefined;
  for (;;) {
    const listed = await source.backend.blobs.list({ ...(after === undefined ? {} : { after }), limit: 500 });
    const last = listed[listed.length - 1];
    if (last === undefined) break;
    after = last.sha256;
    const present = await target.backend.blobs.has(listed.map((b) => b.sha256));
    for (const { sha256 } of listed) {
      if (present.has(sha256)) continue;
      const bytes = await source.backend.blobs.get(sha256);
      // Deleted since it was listed (a purge): nothing to copy.
      if (bytes !== null && (await target.backend.blobs.put(sha256, bytes))) bodies += 1;
    }
  }
  const { consumers, deadLetters } = await source.copy.consumers();
  await target.copy.putConsumers(consumers, deadLetters);
  let refusals = 0;
  let auditUpTo = await target.copy.refusalHead();
  for (;;) {
    const page = await source.copy.refusals(auditUpTo, auditPage);
    const last = page[page.length - 1];
    if (last === undefined) break;
    await target.copy.insertRefusals(page);
    refusals += page.length;
    auditUpTo = last.seq;
  }
  return { bodies, consumers: consumers.length, refusals, auditUpTo };
};

export interface BesideCopied {
  readonly bodies: number;
  readonly consumers: number;
  /** Access-audit rows copied by this call. */
  readonly refusals: number;
  /** The highest access-audit number the target holds from the source. */
  readonly auditUpTo: number;
}

/** Builds the target's read models from the copied log, under the source's conflict policy and the copied trust records. */
export const project = async (source: MigrationSide, target: MigrationSide): Promise<void> => {
  const policy = await source.backend.setting('conflict_policy');
  await target.backend.remerge(typeof policy === 'string' ? policy : undefined);
  await target.backend.refresh();
};

export interface CountsReport {
  readonly ok: boolean;
  readonly streams: number;
  readonly events: number;
  /** Streams (with origin) whose counts differ: `stream@origin: source n, target m`, the first ten. */
  readonly differing: readonly string[];
}

export interface EntitiesReport {
  readonly ok: boolean;
  readonly checked: number;
  /** Entity streams whose state in the target differs from the state folded from the source, the first ten. */
  readonly differing: readonly string[];
  readonly differingCount: number;
}

export interface AuditReport {
  readonly ok: boolean;
  /** Source rows compared, up to the number copied. */
  readonly rows: number;
  /** Numbers whose row the target lacks or holds otherwise, the first ten. */
  readonly differing: readonly number[];
  readonly differingCount: number;
}

export interface CopyVerifyReport {
  readonly ok: boolean;
  readonly position: number;
  readonly chain: VerifyReport;
  readonly bodies: BodiesReport;
  readonly counts: CountsReport;
  readonly entities: EntitiesReport;
  readonly audit: AuditReport;
}

const compareCounts = (source: readonly StreamCount[], target: readonly StreamCount[]): CountsReport => {
  const key = (c: StreamCount) => `${c.stream}@${c.origin}`;
  const theirs = new Map(target.map((c) => [key(c), c.events]));
  const differing: string[] = [];
  let mismatches = 0;
  for (const c of source) {
    const n = theirs.get(key(c)) ?? 0;
    theirs.delete(key(c));
    if (n !== c.events && mismatches++ < 10) differing.push(`${key(c)}: source ${c.events}, target ${n}`);
  }
  for (const [k, n] of theirs) if (mismatches++ < 10) differing.push(`${k}: source 0, target ${n}`);
  return { ok: mismatches === 0, streams: new Set(source.map((c) => c.stream)).size, events: source.reduce((n, c) => n + c.events, 0), differing };
};

/**
 * The entities whose decision state is a read-model row, by stream category, and which row holds a stream's entity:
 * the id after the prefix, or for a checkpoint the hash of its scope (known from the fold). A checkpoint scope holding
 * `%` or `:` has two streams (before and after scope parts were escaped) and no row of its own per stream: its two
 * copies' folds are compared instead.
 */
interface Checked {
  readonly prefix: string;
  readonly kind: EntityKind<unknown>;
  readonly rowId: (stream: string, folded: unknown) => string | null;
}

const byStreamSuffix = (prefix: string, kind: EntityKind<unknown>): Checked => ({
  prefix,
  kind,
  rowId: (stream) => (kind.streamOf(stream.slice(prefix.length)) === stream ? stream.slice(prefix.length) : null),
});

const checked: readonly Checked[] = [
  byStreamSuffix('scan-', scanKind as EntityKind<unknown>),
  byStreamSuffix('finding-', findingKind as EntityKind<unknown>),
  byStreamSuffix('job-', jobKind as EntityKind<unknown>),
  byStreamSuffix('session-', sessionKind as EntityKind<unknown>),
  byStreamSuffix('state-', stateKind as EntityKind<unknown>),
  {
    prefix: 'checkpoint-',
    kind: checkpointKind as EntityKind<unknown>,
    rowId: (stream, folded) => {
      const key = folded as CheckpointKey | null;
      return key !== null && checkpointStreamOf(key) === stream && legacyCheckpointStreamOf(key) === stream ? checkpointIdOf(key) : null;
    },
  },
];

/** Plain data for comparison: a field left undefined and one absent are the same state. */
const plain = (value: unknown): unknown => (value === undefined ? null : JSON.parse(JSON.stringify(value)));

const foldOf = async (backend: Backend, kind: EntityKind<unknown>, stream: string, upToPosition: number, merge: MergeContext): Promise<unknown> => {
  let state = kind.initial;
  for (const e of await backend.log.readEntity(stream, { upToPosition })) state = kind.evolve(state, e, merge);
  return state;
};

/**
 * Every entity's state in the target against the state folded from the source's log up to `position`: the target's
 * is its read-model row (what its engine decides on and its queries show, built by its own projector from the
 * copied log), or, for an entity without a row (dropped by retention, deleted, or a checkpoint scope with two
 * streams), the fold of the copied log.
 */
const compareEntities = async (source: Backend, target: Backend, counts: readonly StreamCount[], position: number): Promise<EntitiesReport> => {
  const differing: string[] = [];
  let differingCount = 0;
  let count = 0;
  const sourceMerge = source.merge();
  const targetMerge = target.merge();
  const streams = [...new Set(counts.map((c) => c.stream))];
  for (const { prefix, kind, rowId } of checked) {
    const mine = streams.filter((s) => s.startsWith(prefix));
    for (let i = 0; i < mine.length; i += 500) {
      const part = await Promise.all(
        mine.slice(i, i + 500).map(async (stream) => {
          const expected = await foldOf(source, kind, stream, position, sourceMerge);
          return { stream, expected, id: rowId(stream, expected) };
        }),
      );
      const ids = part.flatMap((p) => (p.id === null ? [] : [p.id]));
      const rows = ids.length === 0 ? [] : await target.models.rows({ table: kind.table, where: [{ column: kind.key, op: 'in', value: ids }] });
      const byId = new Map(rows.map((r) => [r[kind.key] as string, r]));
      for (const { stream, expected, id } of part) {
        const row = id === null ? undefined : byId.get(id);
        const actual = row === undefined ? await foldOf(target, kind, stream, position, targetMerge) : kind.fromRow(row);
        count += 1;
        if (!isDeepStrictEqual(plain(expected), plain(actual)) && differingCount++ < 10) differing.push(stream);
      }
    }
  }
  return { ok: differingCount === 0, checked: count, differing, differingCount };
};

/** A store's access-audit rows up to `upTo`, in number order, read a page at a time. */
async function* refusalsUpTo(copy: LogCopy, upTo: number): AsyncGenerator<StoredRefusal> {
  for (let after = 0; ; ) {
    const page = await copy.refusals(after, auditPage);
    for (const r of page) {
      if (r.seq > upTo) return;
      yield r;
    }
    const last = page[page.length - 1];
    if (last === undefined) return;
    after = last.seq;
  }
}

/**
 * The source's access audit up to `upTo` against the target's, walked side by side in number order (bounded memory
 * at any length): a number either side lacks, or holds otherwise, differs.
 */
const compareAudit = async (source: LogCopy, target: LogCopy, upTo: number): Promise<AuditReport> => {
  const differing: number[] = [];
  let differingCount = 0;
  let rows = 0;
  const differ = (seq: number) => {
    if (differingCount++ < 10) differing.push(seq);
  };
  const theirs = refusalsUpTo(source, upTo);
  const mine = refusalsUpTo(target, upTo);
  let a = (await theirs.next()).value as StoredRefusal | undefined;
  let b = (await mine.next()).value as StoredRefusal | undefined;
  while (a !== undefined || b !== undefined) {
    if (a !== undefined && (b === undefined || a.seq < b.seq)) {
      rows += 1;
      differ(a.seq);
      a = (await theirs.next()).value as StoredRefusal | undefined;
    } else if (b !== undefined && (a === undefined || b.seq < a.seq)) {
      differ(b.seq);
      b = (await mine.next()).value as StoredRefusal | undefined;
    } else {
      rows += 1;
      if (!sameRefusal(a, b)) differ((a as StoredRefusal).seq);
      a = (await theirs.next()).value as StoredRefusal | undefined;
      b = (await mine.next()).value as StoredRefusal | undefined;
    }
  }
  return { ok: differingCount === 0, rows, differing, differingCount };
};

/**
 * Checks a copy up to `position`: the target's own `log verify` (chain, revisions, schemas, and the bodies its
 * events name), the same events per stream and origin as the source, every entity's state equal to the one folded
 * from the source, and the access audit up to `auditUpTo` row for row. The source may be live: everything is
 * compared at `position` and `auditUpTo`, not at its heads.
 */
export const verifyCopy = async (source: MigrationSide, target: MigrationSide, position: number, auditUpTo: number): Promise<CopyVerifyReport> => {
  const chain = await target.backend.log.verify();
  const bodies = await verifyBodies(target.backend.log, target.backend.blobs);
  const sourceCounts = await source.copy.streamCounts(position);
  const counts = compareCounts(sourceCounts, await target.copy.streamCounts(position));
  const entities = await compareEntities(source.backend, target.backend, sourceCounts, position);
  const audit = await compareAudit(source.copy, target.copy, auditUpTo);
  return { ok: chain.ok && bodies.ok && counts.ok && entities.ok && audit.ok, position, chain, bodies, counts, entities, audit };
};
