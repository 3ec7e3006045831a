import { createHash } from 'node:crypto';
import type { StreamWrite } from '../../src/store/index.js';
import { note, uuidFrom } from './events.js';

/**
 * Batch k of a writer labelled `label`: 1..maxBatch events spread over up to three streams, with ids derived from
 * (label, k, i), so a test can tell which of a batch's events are in the log.
 */
export const batchPlan = (label: string, k: number, maxBatch: number): { ids: string[]; writes: StreamWrite[] } => {
  const h = createHash('sha256').update(`${label}:${k}`).digest();
  const size = 1 + ((h[0] ?? 0) % maxBatch);
  const ids: string[] = [];
  const byStream = new Map<string, ReturnType<typeof note>[]>();
  for (let i = 0; i < size; i += 1) {
    const id = uuidFrom(`${label}:${k}:${i}`);
    ids.push(id);
    const finding = `${label}-${((h[1] ?? 0) + (i % 3)) % 7}`;
    const events = byStream.get(finding) ?? [];
    events.push(note(finding, `${label}:${k}:${i} ${'x'.repeat((h[2] ?? 0) % 200)}`, id));
    byStream.set(finding, events);
  }
  return { ids, writes: [...byStream].map(([finding, events]) => ({ stream: `finding-${finding}`, events })) };
};
