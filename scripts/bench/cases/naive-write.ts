/**
 * The naive approach of the seeds: one JSON state file per entity (a finding, a scan), read, changed and written to
 * a temporary file then renamed over the old one. No log, no history, no fsync (as the seeds' file backend), so its
 * durability is at most that of `normal`. The state rules are the engine's own deciders, so only storage differs.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { finding, scan, type FindingState, type ScanState } from '../../../src/domain/index.js';
import type { DomainEvent } from '../../../src/events/index.js';
import type { CaseContext, Timed } from '../run-case.js';
import type { Batch } from '../workload.js';

export const setup = (context: CaseContext): Timed => {
  const root = join(context.dir, 'naive');
  const dirs = { finding: join(root, 'findings'), scan: join(root, 'scans') };
  mkdirSync(dirs.finding, { recursive: true });
  mkdirSync(dirs.scan, { recursive: true });
  const load = <S>(path: string): S | null => {
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as S;
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOENT') return null;
      throw error;
    }
  };
  const save = (path: string, state: unknown) => {
    writeFileSync(`${path}.tmp`, JSON.stringify(state, null, 2));
    renameSync(`${path}.tmp`, path);
  };
  let files = 0;
  const apply = (e: { stream: string; type: string; data: Record<string, unknown> }) => {
    const event = { type: e.type, data: e.data } as unknown as DomainEvent;
    if (e.stream.startsWith('scan-')) {
      const path = join(dirs.scan, `${e.data.scanId as string}.json`);
      const before = load<ScanState>(path);
      save(path, scan.evolve(before, event as never));
      if (before === null) files += 1;
    } else {
      const path = join(dirs.finding, `${e.data.findingId as string}.json`);
      const before = load<FindingState>(path);
      save(path, finding.evolve(before, event as never));
      if (before === null) files += 1;
    }
  };
  return {
    operation: 'ingest',
    run: (batch: Batch) => {
      for (const e of batch.events) apply(e);
    },
    finish: () => ({ files }),
  };
};
