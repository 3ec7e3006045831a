import type pg from 'pg';
import { instantOf, type EventMeta, type RecordedEvent } from '../../events/index.js';
import { InvalidInput } from '../../errors.js';
import { checkForeignEvent, placeOnChain, type CappedEvent, type CheckedForeignEvent, type Divergence, type ImportRules } from '../foreign.js';
import type { RowBatch } from './append.js';
import type { SchemaNames } from './schema.js';

/** What an import will write, decided before the transaction from one read of the chains it touches. */
export interface ImportPlan {
  readonly toInsert: readonly (CheckedForeignEvent & { readonly foldAt: string | null })[];
  readonly skipped: number;
  /** Checked (envelope and chain) but deliberately not written (ImportRules.ignore). */
  readonly ignored: number;
  readonly diverged: readonly Divergence[];
  readonly capped: readonly CappedEvent[];
  /** The newest fold instant among the events to insert: the hybrid clock moves past it (up to the rules' limit). */
  readonly newest: string | null;
}

interface Found {
  kind: 'tail' | 'at' | 'id';
  stream: string;
  origin: string;
  revision: number;
  checksum: string;
}

const keyOf = (stream: string, origin: string) => `${stream}\u0000${origin}`;

/**
 * The embedded Importer's rules, read in one round trip instead of one query per event: every event is checked
 * first (envelope, data against its codec, checksum against the previous event of its stream and origin, here or
 * earlier in the batch). A gap, a bad checksum, a bad field or an id its origin already used elsewhere rejects the
 * whole batch before anything is written. An event already here with the same checksum is skipped; one with another
 * checksum is a diverged history, reported and never written over, and the rest of that chain in the batch is set
 * aside with it. Ids are unique per origin: another origin's event may carry the same id.
 */
export const planImport = async (
  client: pg.ClientBase,
  n: SchemaNames,
  input: readonly unknown[],
  rules: ImportRules,
  where = 'events',
): Promise<ImportPlan> => {
  if (!Array.isArray(input)) throw new InvalidInput(where, input, 'an array of events');
  const events = input.map((raw, i) => checkForeignEvent(raw, `${where}[${i}]`));
  const keys = new Map<string, { stream: string; origin: string }>();
  for (const { event: e } of events) keys.set(keyOf(e.stream, e.meta.origin), { stream: e.stream, origin: e.meta.origin });
  const { rows } = await client.query<Found>(
    `SELECT 'tail' AS kind, k.stream, k.origin, t.revision, t.checksum
       FROM unnest($1::text[], $2::text[]) AS k(stream, origin)
       CROSS JOIN LATERAL (SELECT revision, checksum FROM ${n.events} e
                           WHERE e.stream = k.stream AND e.origin = k.origin ORDER BY revision DESC LIMIT 1) t
     UNION ALL
     SELECT 'at', e.stream, e.origin, e.revision, e.checksum
       FROM unnest($3::text[], $4::text[], $5::bigint[]) AS k(stream, origin, revision)
       JOIN ${n.events} e ON e.stream = k.stream AND e.origin = k.origin AND e.revision = k.revision
     UNION ALL
     SELECT 'id', e.stream, e.origin, e.revision, e.id::text
       FROM unnest($4::text[], $6::uuid[]) AS k(origin, id)
       JOIN ${n.events} e ON e.origin = k.origin AND e.id = k.id`,
    [
      [...keys.values()].map((k) => k.stream),
      [...keys.values()].map((k) => k.origin),
      events.map(({ event: e }) => e.stream),
      events.map(({ event: e }) => e.meta.origin),
      events.map(({ event: e }) => e.revision),
      events.map(({ event: e }) => e.id),
    ],
  );
  const tails = new Map<string, { revision: number; checksum: string }>();
  const stored = new Map<string, string>();
  const usedIds = new Set<string>();
  for (const r of rows) {
    if (r.kind === 'tail') tails.set(keyOf(r.stream, r.origin), r);
    else if (r.kind === 'at') stored.set(`${keyOf(r.stream, r.origin)}\u0000${r.revision}`, r.checksum);
    // For 'id' rows the checksum column carries the id.
    else usedIds.add(`${r.origin}\u0000${r.checksum}`);
  }

  const chains = new Map<string, { revision: number; checksum: string } | null | 'diverged'>();
  const toInsert: (CheckedForeignEvent & { foldAt: string | null })[] = [];
  const diverged: Divergence[] = [];
  const capped: CappedEvent[] = [];
  const cap = rules.foldCap === null ? null : instantOf(rules.foldCap);
  let skipped = 0;
  let ignored = 0;
  let newest: string | null = null;
  events.forEach((checked, i) => {
    const { event: e } = checked;
    const key = keyOf(e.stream, e.meta.origin);
    let chain = chains.get(key);
    if (chain === 'diverged') return;
    if (chain === undefined) chains.set(key, (chain = tails.get(key) ?? null));
    const placed = placeOnChain(checked, chain, (revision) => stored.get(`${key}\u0000${revision}`), `${where}[${i}]`);
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
    stored.set(`${key}\u0000${e.revision}`, e.checksum);
    // An ignored event continues its chain (the next one is checked against it) but is neither written nor held
    // to the id rule: it never lands here.
    if (rules.ignore?.(e) === true) {
      ignored += 1;
      return;
    }
    const id = `${e.meta.origin}\u0000${e.id}`;
    if (usedIds.has(id)) throw new InvalidInput(`${where}[${i}].id`, e.id, `an event id ${e.meta.origin} has not used for another event`);
    usedIds.add(id);
    const foldAt = cap !== null && e.meta.recordedAt > cap ? cap : null;
    if (foldAt !== null) capped.push({ id: e.id, origin: e.meta.origin, stream: e.stream, recordedAt: e.meta.recordedAt, foldAt });
    const folds = foldAt ?? e.meta.recordedAt;
    if (newest === null || folds > newest) newest = folds;
    toInsert.push({ ...checked, foldAt });
  });
  return { toInsert, skipped, ignored, diverged, capped, newest };
};

/** Adds the planned imports' rows, at their positions, to `batch`; returns them as readers will see them. */
export const materializeImport = (plan: ImportPlan, positions: readonly number[], batch: RowBatch): RecordedEvent[] =>
  plan.toInsert.map(({ event: e, current, dataJson, metaJson, foldAt }, i) => {
    const position = positions[i] as number;
    batch.positions.push(position);
    batch.foldAts.push(foldAt);
    batch.push({ id: e.id, stream: e.stream, origin: e.meta.origin, revision: e.revision, type: e.type, schema: e.schema, data: dataJson, meta: metaJson, checksum: e.checksum });
    return { id: e.id, stream: e.stream, revision: e.revision, position, type: e.type, schema: current.schema, data: current.data, meta: e.meta as EventMeta, checksum: e.checksum };
  });
