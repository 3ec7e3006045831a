import { projections, type Projection } from '../../projections/index.js';
import { openBackend } from '../../src/store/index.js';
import { at, tracked } from './findings.js';

/** What an older release left: the same tables at version 0, which never folded anything (its apply does nothing). */
export const olderRelease: Projection[] = projections.map(({ forget: _, ...p }) => ({ ...p, version: 0, reads: () => [], apply: () => undefined }));

/**
 * A log of `total` FindingTracked events, `perFinding` sightings per finding, written through the log's own commit
 * path (chains, revisions, checksums) in commits of 5,000 by an older release: its read models are empty at
 * version 0, so the next open by this release rebuilds them.
 */
export const writeAsOlderRelease = async (url: string, total: number, perFinding = 10): Promise<void> => {
  const backend = await openBackend(url, { origin: 'central', durability: 'normal', projections: olderRelease });
  try {
    const findings = Math.max(1, Math.floor(total / perFinding));
    for (let first = 0; first < total; first += 5000) {
      const writes = [];
      for (let i = first; i < Math.min(total, first + 5000); i += 1) {
        const id = `f${String(i % findings).padStart(7, '0')}`;
        writes.push({ stream: `finding-${id}`, events: [tracked(id, at(1 + Math.floor(i / findings), i % 24))] });
      }
      await backend.commit(writes);
    }
  } finally {
    await backend.close();
  }
};
