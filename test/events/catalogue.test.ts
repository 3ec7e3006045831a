import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { catalogue, decode, Instant, replicatedCategories, validateEvent } from '../../src/events/index.js';
import { InvalidInput } from '../../src/errors.js';
import { at } from '../support/events.js';

const Catalogue = suite('events/catalogue: codecs and messages');

const messageOf = (action: () => unknown): string => {
  try {
    action();
  } catch (error) {
    assert.instance(error, InvalidInput);
    return (error as Error).message;
  }
  return assert.unreachable('nothing was thrown') as never;
};

Catalogue('an unknown event type is named with the known ones', () => {
  const message = messageOf(() => validateEvent('finding-a', 'FindingDeleted', {}));
  assert.match(message, /^invalid type: "FindingDeleted" \(expected one of ScanStarted, /);
});

Catalogue('a bad field is named by its path and value', () => {
  const data = { findingId: 'f', assetId: 'a', ruleId: 'r', scanId: null, seenAt: '2026-01-01', accountId: '', region: '', collector: null, severity: 'unknown' };
  assert.is(
    messageOf(() => validateEvent('finding-f', 'FindingTracked', data, 'records[3]')),
    'invalid records[3].data.seenAt: "2026-01-01" (expected Instant)',
  );
  assert.is(
    messageOf(() => validateEvent('finding-f', 'FindingTracked', { ...data, seenAt: at(1), assetId: '' })),
    'invalid data.assetId: "" (expected Id (1-512 characters, no control characters))',
  );
  assert.is(
    messageOf(() => validateEvent('finding-f', 'FindingTracked', { ...data, seenAt: at(1), scanId: 7 })),
    'invalid data.scanId: 7 (expected Id (1-512 characters, no control characters) or null)',
  );
});

Catalogue('an event in a stream of another category is refused', () => {
  assert.match(
    messageOf(() => validateEvent('scan-x', 'FindingNoteAdded', { findingId: 'x', by: 'u', text: 't', at: at(1) })),
    /^invalid stream: "scan-x" \(expected a finding-<id> stream for FindingNoteAdded\)$/,
  );
});

Catalogue('unknown fields are dropped, not stored', () => {
  const { data } = validateEvent('finding-x', 'FindingNoteAdded', { findingId: 'x', by: 'u', text: 't', at: at(1), extra: 1 });
  assert.equal(data, { findingId: 'x', by: 'u', text: 't', at: at(1) });
});

Catalogue('an Instant is canonical UTC text with milliseconds, and only that', () => {
  assert.ok(Instant.is('2026-03-01T10:00:00.000Z'));
  for (const bad of ['2026-03-01T10:00:00Z', '2026-03-01T10:00:00.000+01:00', '2026-02-30T10:00:00.000Z', 'now', ''])
    assert.not.ok(Instant.is(bad), bad);
});

Catalogue('every event type belongs to one of the twelve stream categories', () => {
  const categories = new Set(Object.values(catalogue).map((e) => e.category));
  assert.equal([...categories].sort(), ['body', 'checkpoint', 'finding', 'job', 'policy', 'scan', 'session', 'sla', 'state', 'statetype', 'sync', 'token']);
});

Catalogue('typed states, sessions and body purges stay local: sync carries scans, checkpoints and findings only', () => {
  assert.equal([...replicatedCategories].sort(), ['checkpoint', 'finding', 'scan']);
});

Catalogue('a state, state type, session or body event must name the entity of its stream', () => {
  const at0 = at(1);
  const body = { sha256: 'a'.repeat(64), size: 2, stored: 22, codec: 'gzip', key: null };
  const cases: [string, string, unknown][] = [
    ['state-u2', 'StateRegistered', { stateId: 'u1', name: '', type: 'user', status: 'pending', data: {}, metadata: {}, at: at0 }],
    ['statetype-feature', 'StateSchemaSet', { type: 'user', version: 1, schema: null, sha256: null, at: at0 }],
    ['session-s2', 'SessionSaved', { sessionId: 's1', body, fence: null, at: at0 }],
    ['body-' + 'b'.repeat(64), 'BodyPurged', { sha256: 'a'.repeat(64), stored: 1, reason: 'cleanup', at: at0 }],
  ];
  for (const [stream, type, data] of cases) assert.throws(() => validateEvent(stream, type, data), /stream/, stream);
});

Catalogue('decode returns a Left naming the field instead of throwing', () => {
  const result = decode(catalogue.ScanCompleted.codec, { scanId: 's', assetCount: -1, findingCount: 0, completedAt: at(1), durationSeconds: 0 }, 'body');
  assert.is(result._tag, 'Left');
  assert.is(result._tag === 'Left' && result.left.field, 'body.assetCount');
});

Catalogue.run();
