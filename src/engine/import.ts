import { decodeOrThrow } from '../events/index.js';
import { InvalidInput } from '../errors.js';
import type { Core } from './core.js';
import type { Identity } from '../domain/index.js';
import { scopeOf, trackFindings, type TrackSummary } from './findings.js';
import { FindingRecordInput, type TrackFindingInput } from './inputs.js';

/** One record of an import file as parsed, named as messages name it (`line 3`, `records[2]`). */
export interface ImportRecord {
  readonly where: string;
  readonly value: unknown;
}

export interface ImportOptions {
  readonly scanId?: string | undefined;
  /** Who imports: the actor recorded with the sightings, whose scopes apply. */
  readonly identity?: Identity | undefined;
  /** Records appended so far, of `total` (the count the check found). */
  readonly onProgress?: (done: number, total: number) => void;
}

const batchSize = 1_000;

const decode = ({ where, value }: ImportRecord): TrackFindingInput => {
  const r = decodeOrThrow(FindingRecordInput, value, where);
  return { findingId: r.finding_id, assetId: r.asset_id, ruleId: r.rule_id, collector: r.collector, severity: r.severity };
};

/**
 * Checks every record (`read` yields them; it is called once per pass, so a file is read twice and never held
 * whole): each must decode, and no finding may be listed twice (one scan sees a finding once; the ids seen are
 * kept on disk, not in memory). Returns how many there are. Nothing is written.
 */
const check = (core: Core, read: () => Iterable<ImportRecord>): number => {
  const seen = core.backend.scratchSet();
  let count = 0;
  try {
    for (const record of read()) {
      const { findingId } = decode(record);
      const first = seen.add(findingId, record.where);
      if (first !== undefined)
        throw new InvalidInput(`${record.where}.finding_id`, findingId, `a finding listed once (also at ${first})`);
      count += 1;
    }
  } finally {
    seen.close();
  }
  return count;
};

/**
 * Tracks every finding of an import, all or nothing: the whole input is checked first (bad input writes nothing),
 * then appended in batches inside one transaction, so a failure later (a file changed between the passes, a killed
 * process, a full disk) rolls every batch back. One transaction rather than one per batch: an import without a scan
 * has no identity a re-run could skip by, so a partial import could not be told apart from a whole one; within a
 * scan, a re-run is idempotent anyway (a sighting is (scan, finding)). The write lock is held for the append pass:
 * other writers wait (busy_timeout), readers are not blocked.
 */
export const importFindings = async (core: Core, read: () => Iterable<ImportRecord>, options: ImportOptions = {}): Promise<TrackSummary> => {
  if (options.scanId !== undefined) await scopeOf(core, options.scanId, undefined); // an unknown or finished scan, before any reading
  const total = check(core, read);
  const totals = { tracked: 0, new: 0, recurring: 0, reopened: 0, still_suppressed: 0, suppressions_expired: 0, already_seen: 0 };
  let position = await core.backend.log.headPosition();
  let done = 0;
  await core.backend.unitOfWork(async () => {
    let batch: TrackFindingInput[] = [];
    const flush = async () => {
      const summary = await trackFindings(core, batch, { scanId: options.scanId }, options.identity);
      for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += summary[key];
      position = summary.position;
      done += batch.length;
      batch = [];
      options.onProgress?.(done, total);
    };
    for (const record of read()) {
      batch.push(decode(record));
      if (batch.length === batchSize) await flush();
    }
    if (batch.length > 0) await flush();
  });
  return { ...totals, position };
};
