import type { Cell, Row } from '../../projections/index.js';
import { fold, type Decider, type MergeContext } from '../domain/index.js';
import { DomainError } from '../errors.js';
import { asDomainEvent, type DomainEvent, type ExpectedRevision, type GivenMeta, type NewEvent, type RecordedEvent } from '../events/index.js';
import type { AppendResult, StreamWrite } from '../ports/log.js';
import type { Core } from './core.js';

/** Event metadata the engine records with what it appends (who asked, as authenticated). */
export type CommandMeta = GivenMeta;

export const toNewEvents = (events: readonly DomainEvent[], meta: CommandMeta = {}): NewEvent[] =>
  events.map((e) => ({ type: e.type, data: e.data, ...(Object.keys(meta).length > 0 ? { meta } : {}) }));

/**
 * How the engine loads one kind of entity for a decision. Its read-model row is a snapshot of its decision state:
 * the fold of its events over every origin in fold order, with the position it reflects and this origin's revision
 * of its stream, written in the same transaction as the events (on an inline backend). Only the events after that
 * position are folded on top, so deciding does not slow with a stream's age.
 */
export interface EntityKind<S> {
  readonly table: string;
  readonly key: string;
  readonly streamOf: (id: string) => string;
  readonly fromRow: (row: Row) => S;
  readonly initial: S;
  /** Folds one event (of any origin) into the state, as the read model does. */
  readonly evolve: (state: S, event: RecordedEvent, merge: MergeContext) => S;
}

export interface Loaded<S> {
  readonly state: S;
  /** This origin's revision of the entity's stream, as the next append expects it. */
  readonly revision: ExpectedRevision;
}

const revisionOf = (n: Cell | undefined): ExpectedRevision => (typeof n === 'number' && n >= 0 ? n : 'no_stream');

/** Loads entities by id: their snapshots in one query per 500 ids, then whatever the log holds after them. */
export const loadMany = async <S>(core: Core, kind: EntityKind<S>, ids: readonly string[]): Promise<Map<string, Loaded<S>>> => {
  const loaded = new Map<string, Loaded<S>>();
  const unique = [...new Set(ids)];
  const merge = core.backend.merge();
  for (let i = 0; i < unique.length; i += 500) {
    const part = unique.slice(i, i + 500);
    const rows = await core.backend.models.rows({ table: kind.table, where: [{ column: kind.key, op: 'in', value: part }] });
    const byId = new Map(rows.map((r) => [r[kind.key] as string, r]));
    for (const id of part) {
      const row = byId.get(id);
      let state = row === undefined ? kind.initial : kind.fromRow(row);
      let revision = revisionOf(row?.revision);
      // An inline backend's snapshot is current; one whose read models run behind has events after it.
      if (!core.backend.inline) {
        const after = typeof row?.position === 'number' ? row.position : 0;
        for (const e of await core.backend.log.readEntity(kind.streamOf(id), { afterPosition: after })) {
          state = kind.evolve(state, e, merge);
          if (e.meta.origin === core.backend.origin) revision = e.revision;
        }
      }
      loaded.set(id, { state, revision });
    }
  }
  return loaded;
};

export const loadOne = async <S>(core: Core, kind: EntityKind<S>, id: string): Promise<Loaded<S>> =>
  (await loadMany(core, kind, [id])).get(id) as Loaded<S>;

export interface Plan<T> {
  readonly writes: readonly StreamWrite[];
  readonly value: T;
}

/**
 * The one decide-and-commit loop: `plan` loads what it decides on, decides, and returns the writes with the
 * expected revisions of that same load (and may store what the events name beside the log: see `atomically`); a concurrent writer (WrongExpectedRevision) makes it load and decide again,
 * up to `attempts` times, then it is a DomainError('conflict'). Nothing to write is a no-op.
 */
export const decideAndCommit = async <T>(
  core: Core,
  what: string,
  plan: () => Promise<Plan<T>>,
  attempts = 3,
  options: { readonly atomically?: boolean } = {},
): Promise<{ readonly value: T; readonly appended: readonly AppendResult[] }> =>
  core.serial(async () => {
    // `atomically`: the plan and the commit in one unit of work, so what the plan writes beside the log (a body in
    // the blob store) lands with the events or not at all where the backend can (SQLite: one transaction).
    if (options.atomically === true) return core.backend.unitOfWork(() => commitLoop(core, what, plan, attempts));
    return commitLoop(core, what, plan, attempts);
  });

const commitLoop = async <T>(
  core: Core,
  what: string,
  plan: () => Promise<Plan<T>>,
  attempts: number,
): Promise<{ readonly value: T; readonly appended: readonly AppendResult[] }> => {
  for (let attempt = 1; ; attempt += 1) {
    const { writes, value } = await plan();
    if (writes.length === 0) return { value, appended: [] };
    await core.beforeCommit?.();
    try {
      return { value, appended: await core.backend.commit(writes) };
    } catch (error) {
      if (!(error instanceof Error) || error.name !== 'WrongExpectedRevision') throw error;
      if (attempt >= attempts) throw new DomainError('conflict', `${what} was changed by another writer ${attempts} times while deciding; try again`);
      // The other writer may keep no projections (an older version, a raw append): bring the snapshots up first.
      await core.backend.refresh();
    }
  }
};

/**
 * Decides on a short local stream (a token, a policy) folded from this origin's own events in the log, and appends
 * at the revision of that read.
 */
export const decideFromLog = async <S, C, E extends DomainEvent>(
  core: Core,
  stream: string,
  decider: Decider<S, C, E>,
  command: C,
  meta: CommandMeta = {},
): Promise<S> => {
  const { value } = await decideAndCommit(core, stream, async () => {
    const events: RecordedEvent[] = [];
    for await (const e of core.backend.log.readStream(stream)) events.push(e);
    const state = fold(decider, events.map((e) => asDomainEvent(e) as E));
    const last = events[events.length - 1];
    const decided = decider.decide(state, command);
    if (decided instanceof DomainError) throw decided;
    const writes = decided.length === 0 ? [] : [{ stream, events: toNewEvents(decided, meta), expectedRevision: last === undefined ? ('no_stream' as const) : last.revision }];
    return { writes, value: decided.reduce(decider.evolve, state) };
  });
  return value;
};
