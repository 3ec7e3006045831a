/**
 * Which stream an event's data belongs in. A stream and the entity its events name must agree, so no reader (a
 * projection keyed by an id in the data, a replica importing another origin's events) can be led to apply an event
 * of one entity to another: `finding-a` cannot carry a sighting of finding `b`.
 */

/** A checkpoint scope part in a stream name: only `%` and `:` are escaped, so names without them stay as they were. */
export const escapeScopePart = (part: string): string => part.replace(/%/g, '%25').replace(/:/g, '%3A');

export const checkpointStreamName = (collector: string, accountId: string, region: string): string =>
  `checkpoint-${escapeScopePart(collector)}:${escapeScopePart(accountId)}:${escapeScopePart(region)}`;

/** Before scope parts were escaped, a part holding ':' could name another scope's stream; such logs stay readable. */
const legacyCheckpointStreamName = (collector: string, accountId: string, region: string): string =>
  `checkpoint-${collector}:${accountId}:${region}`;

/** The SLA policy is one per deployment: one stream. */
export const slaPolicyStream = 'sla-policy';

const text = (data: unknown, key: string): string | null => {
  const value = (data as Record<string, unknown> | null)?.[key];
  return typeof value === 'string' ? value : null;
};

/**
 * The stream names an event of this category may be in, given its (already decoded) data; null when the category
 * has no entity in its data (sync records).
 */
export const entityStreams = (category: string, data: unknown): readonly string[] | null => {
  const id = (key: string) => text(data, key);
  switch (category) {
    case 'scan':
      return [`scan-${id('scanId') ?? ''}`];
    case 'finding':
      return [`finding-${id('findingId') ?? ''}`];
    case 'job':
      return [`job-${id('jobId') ?? ''}`];
    case 'state':
      return [`state-${id('stateId') ?? ''}`];
    case 'statetype':
      return [`statetype-${id('type') ?? ''}`];
    case 'session':
      return [`session-${id('sessionId') ?? ''}`];
    case 'body':
      return [`body-${id('sha256') ?? ''}`];
    case 'sla':
      return [slaPolicyStream];
    case 'checkpoint': {
      const parts = [id('collector') ?? '', id('accountId') ?? '', id('region') ?? ''] as const;
      const current = checkpointStreamName(...parts);
      const legacy = legacyCheckpointStreamName(...parts);
      return current === legacy ? [current] : [current, legacy];
    }
    default:
      return null;
  }
};
