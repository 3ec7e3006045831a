import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { FindingEvent, MergeContext } from '../../src/domain/index.js';
import { foldDays, forgetDays, type DayDelta, type FindingDays } from '../../projections/index.js';
import { at, expired, falsePositive, resolved, suppressed, tracked, unsuppressed, noted } from '../support/findings.js';

const single: MergeContext = { policy: 'latest_wins', local: 'here', central: null, authority: null };
const merged: MergeContext = { ...single, policy: 'merge' };

type Origin = { event: FindingEvent; origin: string };
const from = (origin: string, event: FindingEvent): Origin => ({ event, origin });
const asOrigin = (e: FindingEvent | Origin): Origin => ('origin' in e ? e : { event: e, origin: 'here' });

/** Folds the given events, then one more: its deltas read as the day it moved and by how much. */
const given = (...events: (FindingEvent | Origin)[]) => {
  const run = (merge: MergeContext) =>
    events.map(asOrigin).reduce<FindingDays | null>((row, e) => foldDays(row, e.event, e.origin, merge).row, null);
  return {
    row: run(single),
    when: (next: FindingEvent | Origin, merge = single) => {
      const before = run(merge);
      const e = asOrigin(next);
      const step = foldDays(before, e.event, e.origin, merge);
      return {
        before,
        step,
        then: (...deltas: DayDelta[]) => assert.equal(step.deltas, deltas),
        thenNothing: () => assert.equal(step.deltas, []),
      };
    },
  };
};
const day = (d: number) => at(d).slice(0, 10);
const moved = (d: number, counts: Partial<Omit<DayDelta, 'day'>>): DayDelta => ({ day: day(d), new: 0, resolved: 0, open: 0, ...counts });

const Days = suite('projections/finding-days: what each event adds to its day');

Days('a first sighting counts a new finding and one more open on the day of its scan', () => {
  given().when(tracked('f1', at(3, 14))).then(moved(3, { new: 1, open: 1 }));
});

Days('a sighting of a recurring finding adds nothing and rewrites nothing', () => {
  const w = given(tracked('f1', at(1)), tracked('f1', at(2))).when(tracked('f1', at(3)));
  w.thenNothing();
  assert.is(w.step.row, w.before, 'the same row: the adapter writes nothing');
});

Days('a resolution counts on the day it was decided and takes one from the open count', () => {
  given(tracked('f1', at(1))).when(resolved('f1', at(4, 9))).then(moved(4, { resolved: 1, open: -1 }));
});

Days('a sighting after a resolution reopens: one more open, no new finding', () => {
  given(tracked('f1', at(1)), resolved('f1', at(2))).when(tracked('f1', at(5))).then(moved(5, { open: 1 }));
});

Days('a suppression takes the finding out of the open count; its expiry puts it back on the day it ended', () => {
  given(tracked('f1', at(1))).when(suppressed('f1', at(2), at(9))).then(moved(2, { open: -1 }));
  given(tracked('f1', at(1)), suppressed('f1', at(2), at(9))).when(expired('f1', at(9))).then(moved(9, { open: 1 }));
});

Days('an expiry naming an earlier end than the suppression has does not lift it', () => {
  given(tracked('f1', at(1)), suppressed('f1', at(2), at(9))).when(expired('f1', at(5))).thenNothing();
});

Days('lifting a suppression of a resolved finding leaves it resolved and out of the count', () => {
  given(tracked('f1', at(1)), resolved('f1', at(2)), suppressed('f1', at(3))).when(unsuppressed('f1', at(4))).thenNothing();
});

Days('a false positive on a suppressed finding moves no count, but its facts change', () => {
  const w = given(tracked('f1', at(1)), suppressed('f1', at(2))).when(falsePositive('f1', at(3)));
  w.thenNothing();
  assert.is(w.step.row?.facts.lifecycle, 'false_positive');
});

Days('a second resolution of a resolved finding is not counted again', () => {
  given(tracked('f1', at(1)), resolved('f1', at(2))).when(resolved('f1', at(3))).thenNothing();
});

Days('notes and events of a finding never tracked add nothing', () => {
  given(tracked('f1', at(1))).when(noted('f1', at(2), 'ticket')).thenNothing();
  const w = given().when(resolved('f9', at(2)));
  w.thenNothing();
  assert.is(w.step.row, null);
});

Days('under the merge policy a resolution from another origin does not undo a false positive, and counts nothing', () => {
  given(tracked('f1', at(1)), falsePositive('f1', at(2))).when(from('there', resolved('f1', at(3))), merged).thenNothing();
});

Days('what a finding added per day is kept, summed, and taken back whole when forgotten', () => {
  const row = given(tracked('f1', at(1)), resolved('f1', at(1, 8)), tracked('f1', at(2)), suppressed('f1', at(4))).row;
  assert.equal(row?.days, { [day(1)]: { new: 1, resolved: 1, open: 0 }, [day(2)]: { new: 0, resolved: 0, open: 1 }, [day(4)]: { new: 0, resolved: 0, open: -1 } });
  if (row === null) return;
  assert.equal(forgetDays(row), [moved(1, { new: -1, resolved: -1 }), moved(2, { open: -1 }), moved(4, { open: 1 })]);
});

Days.run();
