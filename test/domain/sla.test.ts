import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultSlaPolicy, finding, fold, slaOf, type FindingEvent, type SlaPolicy } from '../../src/domain/index.js';
import type { Instant, SightingSeverity } from '../../src/events/index.js';
import { specify } from '../support/decider.js';
import { at, resolved, suppressed, track, tracked } from '../support/findings.js';

const given = specify(finding);
const stateAfter = (...events: FindingEvent[]) => fold(finding, events);
const seen = (id: string, when: Instant, severity: SightingSeverity): FindingEvent => {
  const e = tracked(id, when);
  return { type: 'FindingTracked', data: { ...(e.data as object), severity } } as FindingEvent;
};
const instant = (iso: string) => new Date(iso).toISOString() as Instant;

const Severity = suite('domain/finding: severity');

Severity('a sighting that states a severity records it; the command passes it through unchanged', () => {
  const command = track('f1', at(1));
  given().when({ ...command, data: { ...command.data, severity: 'high' } } as typeof command).then(seen('f1', at(1), 'high'));
  assert.is(stateAfter(seen('f1', at(1), 'high'))?.severity, 'high');
});

Severity('the latest severity stated wins, up or down', () => {
  assert.is(stateAfter(seen('f1', at(1), 'low'), seen('f1', at(2), 'critical'))?.severity, 'critical');
  assert.is(stateAfter(seen('f1', at(1), 'critical'), seen('f1', at(2), 'informational'))?.severity, 'informational');
});

Severity('a sighting that states none (an old scanner, a schema-1 event) leaves the one known; a first one is unknown', () => {
  assert.is(stateAfter(seen('f1', at(1), 'high'), seen('f1', at(2), 'unknown'))?.severity, 'high');
  assert.is(stateAfter(seen('f1', at(1), 'unknown'))?.severity, 'unknown');
});

const Sla = suite('domain/sla: deadlines and breaches');
const open = (severity: SightingSeverity, firstSeen: Instant, openedAt = firstSeen) =>
  ({ severity, lifecycle: 'new', firstSeen, openedAt }) as const;

Sla('given the defaults, an open finding is due 7/30/90/120 days after its first sighting; informational and unknown never', () => {
  const start = instant('2026-01-01T09:30:00Z');
  const due = (s: SightingSeverity) => slaOf(open(s, start), defaultSlaPolicy, start).dueAt;
  assert.equal(
    [due('critical'), due('high'), due('medium'), due('low'), due('informational'), due('unknown')],
    ['2026-01-08T09:30:00.000Z', '2026-01-31T09:30:00.000Z', '2026-04-01T09:30:00.000Z', '2026-05-01T09:30:00.000Z', null, null],
  );
});

Sla('breached from the instant the deadline falls, not a millisecond before', () => {
  const start = instant('2026-01-01T00:00:00Z');
  const f = open('critical', start);
  assert.is(slaOf(f, defaultSlaPolicy, instant('2026-01-07T23:59:59.999Z')).breached, false);
  assert.is(slaOf(f, defaultSlaPolicy, instant('2026-01-08T00:00:00.000Z')).breached, true);
});

Sla('a deadline across a daylight-saving change is an instant: exactly days x 24 hours later, whatever the wall clock', () => {
  // US clocks spring forward on 2026-03-08 and Europe's on 2026-03-29: a wall-clock "7 days at 09:00 New York"
  // would be 167 hours; the deadline is 168 hours after the sighting, in UTC.
  const start = instant('2026-03-05T14:00:00Z'); // 09:00 in New York, before the change
  const due = slaOf(open('critical', start), defaultSlaPolicy, start).dueAt as string;
  assert.is(due, '2026-03-12T14:00:00.000Z');
  assert.is((Date.parse(due) - Date.parse(start)) / 3_600_000, 168);
  const autumn = instant('2026-10-20T08:00:00Z');
  assert.is(slaOf(open('high', autumn), defaultSlaPolicy, autumn).dueAt, '2026-11-19T08:00:00.000Z');
});

Sla('closed findings (resolved, suppressed, false positive) have no deadline and are never breached', () => {
  const long = instant('2027-01-01T00:00:00Z');
  for (const lifecycle of ['resolved', 'suppressed', 'false_positive'] as const)
    assert.equal(slaOf({ ...open('critical', at(1)), lifecycle }, defaultSlaPolicy, long), { dueAt: null, breached: false });
  const s = stateAfter(seen('f1', at(1), 'critical'), suppressed('f1', at(2)));
  assert.equal(slaOf(s as NonNullable<typeof s>, defaultSlaPolicy, long), { dueAt: null, breached: false });
});

Sla('restart on reopen: a resolved finding seen again starts its clock at that sighting; without it, the first one counts', () => {
  const s = stateAfter(seen('f1', at(1), 'critical'), resolved('f1', at(2)), seen('f1', at(20), 'critical'));
  assert.is(s?.lifecycle, 'reopened');
  const restart: SlaPolicy = { ...defaultSlaPolicy, restartOnReopen: true };
  const now = at(22);
  assert.equal(slaOf(s as NonNullable<typeof s>, restart, now), { dueAt: at(27), breached: false });
  assert.equal(slaOf(s as NonNullable<typeof s>, defaultSlaPolicy, now), { dueAt: at(8), breached: true });
});

Sla('the policy decides the days: a shorter deadline breaches what a longer one did not', () => {
  const f = open('medium', at(1));
  assert.is(slaOf(f, defaultSlaPolicy, at(15)).breached, false);
  assert.is(slaOf(f, { ...defaultSlaPolicy, medium: 14 }, at(15)).breached, true);
});

Severity.run();
Sla.run();
