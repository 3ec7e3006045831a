import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { finding, fold, type FindingEvent } from '../../src/domain/index.js';
import { specify } from '../support/decider.js';
import {
  at,
  expire,
  expired,
  falsePositive,
  markFalsePositive,
  note,
  noted,
  resolve,
  resolved,
  suppress,
  suppressed,
  track,
  tracked,
  unsuppress,
  unsuppressed,
} from '../support/findings.js';

const given = specify(finding);
const stateAfter = (...events: FindingEvent[]) => fold(finding, events);

const Lifecycle = suite('domain/finding: lifecycle');

Lifecycle('a first sighting makes a new finding', () => {
  given().when(track('f1', at(1))).then(tracked('f1', at(1)));
  assert.is(stateAfter(tracked('f1', at(1)))?.lifecycle, 'new');
});

Lifecycle('a second sighting makes it recurring and counts the scan', () => {
  const s = stateAfter(tracked('f1', at(1)), tracked('f1', at(2)));
  assert.is(s?.lifecycle, 'recurring');
  assert.is(s?.scanCount, 2);
  assert.is(s?.firstSeen, at(1));
  assert.is(s?.lastSeen, at(2));
});

Lifecycle('a sighting after a resolution reopens it and clears resolved_at', () => {
  const s = stateAfter(tracked('f1', at(1)), resolved('f1', at(2)), tracked('f1', at(3)));
  assert.is(s?.lifecycle, 'reopened');
  assert.is(s?.resolvedAt, null);
  assert.is(s?.openedAt, at(3));
});

Lifecycle('a reopened finding seen again is recurring', () => {
  assert.is(stateAfter(tracked('f1', at(1)), resolved('f1', at(2)), tracked('f1', at(3)), tracked('f1', at(4)))?.lifecycle, 'recurring');
});

Lifecycle('a suppressed finding stays suppressed when seen again while last_seen and scan_count advance', () => {
  given(tracked('f1', at(1)), suppressed('f1', at(2))).when(track('f1', at(3))).then(tracked('f1', at(3)));
  const s = stateAfter(tracked('f1', at(1)), suppressed('f1', at(2)), tracked('f1', at(3)));
  assert.is(s?.lifecycle, 'suppressed');
  assert.is(s?.lastSeen, at(3));
  assert.is(s?.scanCount, 2);
  assert.is(s?.suppressedBy, 'bob');
});

Lifecycle('a false positive stays a false positive when seen again', () => {
  const s = stateAfter(tracked('f1', at(1)), falsePositive('f1', at(2)), tracked('f1', at(3)));
  assert.is(s?.lifecycle, 'false_positive');
  assert.is(s?.scanCount, 2);
});

Lifecycle('a sighting after a suppression expires records why before it counts', () => {
  given(tracked('f1', at(1)), suppressed('f1', at(2), at(5)))
    .when(track('f1', at(6)))
    .then(expired('f1', at(5)), tracked('f1', at(6)));
  const s = stateAfter(tracked('f1', at(1)), suppressed('f1', at(2), at(5)), expired('f1', at(5)), tracked('f1', at(6)));
  assert.is(s?.lifecycle, 'recurring');
  assert.is(s?.suppressedUntil, null);
});

Lifecycle('a sighting before the expiry keeps the suppression', () => {
  given(tracked('f1', at(1)), suppressed('f1', at(2), at(5))).when(track('f1', at(4))).then(tracked('f1', at(4)));
});

Lifecycle('an expiry sweep after the end of a suppression returns the finding to recurring', () => {
  given(tracked('f1', at(1)), suppressed('f1', at(2), at(5))).when(expire('f1', at(5))).then(expired('f1', at(5)));
  assert.is(stateAfter(tracked('f1', at(1)), suppressed('f1', at(2), at(5)), expired('f1', at(5)))?.lifecycle, 'recurring');
});

Lifecycle('an expiry sweep before the end or without an end does nothing', () => {
  given(tracked('f1', at(1)), suppressed('f1', at(2), at(5))).when(expire('f1', at(4))).then();
  given(tracked('f1', at(1)), suppressed('f1', at(2))).when(expire('f1', at(9))).then();
});

Lifecycle('lifting the suppression of a resolved finding not seen since leaves it resolved', () => {
  const s = stateAfter(tracked('f1', at(1)), resolved('f1', at(2)), suppressed('f1', at(3)), unsuppressed('f1', at(4)));
  assert.is(s?.lifecycle, 'resolved');
});

Lifecycle('lifting the suppression of a resolved finding seen meanwhile shows it reopened', () => {
  const s = stateAfter(tracked('f1', at(1)), resolved('f1', at(2)), suppressed('f1', at(3)), tracked('f1', at(4)), unsuppressed('f1', at(5)));
  assert.is(s?.lifecycle, 'reopened');
});

Lifecycle('unsuppressing an open finding makes it recurring', () => {
  given(tracked('f1', at(1)), suppressed('f1', at(2))).when(unsuppress('f1', at(3))).then(unsuppressed('f1', at(3)));
  assert.is(stateAfter(tracked('f1', at(1)), suppressed('f1', at(2)), unsuppressed('f1', at(3)))?.lifecycle, 'recurring');
});

Lifecycle('unsuppressing a finding that is not suppressed is refused', () => {
  given(tracked('f1', at(1))).when(unsuppress('f1', at(2))).thenFails('illegal_transition');
});

Lifecycle('a suppression that ends before it starts is refused', () => {
  given(tracked('f1', at(1))).when(suppress('f1', at(3), at(2))).thenFails('illegal_transition');
});

Lifecycle('resolving records who and why; resolving a resolved finding changes nothing', () => {
  given(tracked('f1', at(1))).when(resolve('f1', at(2))).then(resolved('f1', at(2)));
  given(tracked('f1', at(1)), resolved('f1', at(2))).when(resolve('f1', at(3))).then();
  const s = stateAfter(tracked('f1', at(1)), resolved('f1', at(2)));
  assert.equal([s?.resolvedBy, s?.resolutionReason, s?.resolvedAt], ['alice', 'fixed', at(2)]);
});

Lifecycle('an automatic resolution skips findings a person has decided on', () => {
  const auto = resolve('f1', at(3), 'not_observed');
  if (auto.type === 'ResolveFinding') auto.data.onlyIfOpen = true;
  given(tracked('f1', at(1)), suppressed('f1', at(2))).when(auto).then();
  given(tracked('f1', at(1)), falsePositive('f1', at(2))).when(auto).then();
  given(tracked('f1', at(1))).when(auto).then(resolved('f1', at(3), 'not_observed'));
});

Lifecycle('marking a false positive twice records it once', () => {
  given(tracked('f1', at(1))).when(markFalsePositive('f1', at(2))).then(falsePositive('f1', at(2)));
  given(tracked('f1', at(1)), falsePositive('f1', at(2))).when(markFalsePositive('f1', at(3))).then();
});

Lifecycle('a note is recorded and leaves the lifecycle alone', () => {
  given(tracked('f1', at(1))).when(note('f1', at(2), 'ticket SEC-1')).then(noted('f1', at(2), 'ticket SEC-1'));
  assert.is(stateAfter(tracked('f1', at(1)), noted('f1', at(2), 'x'))?.lifecycle, 'new');
});

Lifecycle('commands on a finding never tracked are refused', () => {
  for (const command of [resolve('f9', at(1)), suppress('f9', at(1)), unsuppress('f9', at(1)), markFalsePositive('f9', at(1)), note('f9', at(1), 'x')])
    given().when(command).thenFails('unknown_finding');
});

Lifecycle.run();

const Sightings = suite('domain/finding: a sighting is (scan, finding)');

Sightings('a second sighting of a finding in the same scan decides nothing', () => {
  given(tracked('f1', at(1), 's1')).when(track('f1', at(2), 's1')).then();
});

Sightings('a sighting in the same scan after other decisions still decides nothing', () => {
  given(tracked('f1', at(1), 's1'), suppressed('f1', at(2))).when(track('f1', at(3), 's1')).then();
  given(tracked('f1', at(1), 's1'), resolved('f1', at(2))).when(track('f1', at(3), 's1')).then();
});

Sightings('a sighting in another scan counts', () => {
  given(tracked('f1', at(1), 's1')).when(track('f1', at(2), 's2')).then(tracked('f1', at(2), 's2'));
});

Sightings('sightings without a scan always count, and do not hide the last scan', () => {
  given(tracked('f1', at(1))).when(track('f1', at(2))).then(tracked('f1', at(2)));
  given(tracked('f1', at(1), 's1'), tracked('f1', at(2))).when(track('f1', at(3), 's1')).then();
});

Sightings('the first sighting of a finding in a scan is recorded', () => {
  given().when(track('f1', at(1), 's1')).then(tracked('f1', at(1), 's1'));
});

Sightings.run();
