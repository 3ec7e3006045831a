import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { nextRuns, parseSchedule, rateInterval } from '../../../src/schedule/expression/index.js';

const runs = (expr: string, after: string, anchor?: string, count = 3): string[] =>
  nextRuns(expr, { after, anchor, count }).map((run) => run.toISOString());

const Rate = suite('schedule/expression: rate');

Rate('singular and plural forms parse to a value and a plural unit', () => {
  const minute = parseSchedule('rate(1 minute)');
  assert.equal(minute, { kind: 'rate', expression: 'rate(1 minute)', value: 1, unit: 'minutes' });
  const hours = parseSchedule('rate(12 hours)');
  assert.equal(hours, { kind: 'rate', expression: 'rate(12 hours)', value: 12, unit: 'hours' });
  const day = parseSchedule('rate(1 day)');
  assert.is(day.kind === 'rate' && rateInterval(day), 86_400_000);
});
Rate('runs are the anchor plus whole intervals, keeping the anchor seconds', () => {
  assert.equal(runs('rate(5 minutes)', '2026-01-01T00:12:00Z', '2026-01-01T00:00:07Z'), [
    '2026-01-01T00:15:07.000Z',
    '2026-01-01T00:20:07.000Z',
    '2026-01-01T00:25:07.000Z',
  ]);
});
Rate('a late question gets the grid, not after + interval: rates never drift', () => {
  const anchor = '2026-01-01T00:00:00Z';
  assert.equal(runs('rate(1 hour)', '2026-03-04T05:59:59.999Z', anchor, 1), ['2026-03-04T06:00:00.000Z']);
  assert.equal(runs('rate(1 hour)', '2026-03-04T06:00:00Z', anchor, 1), ['2026-03-04T07:00:00.000Z']);
  assert.equal(runs('rate(7 days)', '2026-12-31T00:00:00Z', anchor, 1), ['2027-01-07T00:00:00.000Z']);
});
Rate('without an anchor the grid starts at after', () => {
  assert.equal(runs('rate(2 hours)', '2026-01-01T00:30:00Z', undefined, 2), [
    '2026-01-01T02:30:00.000Z',
    '2026-01-01T04:30:00.000Z',
  ]);
});
Rate('a job starting later fires first at its start', () => {
  assert.equal(runs('rate(10 minutes)', '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z', 2), [
    '2026-01-02T00:00:00.000Z',
    '2026-01-02T00:10:00.000Z',
  ]);
});

const Once = suite('schedule/expression: at');

Once('at() is read in the zone given and fires once', () => {
  const after = '2025-06-01T00:00:00Z';
  assert.equal(nextRuns('at(2026-01-01T09:00:00)', { after, count: 5 }).map(String), [
    String(new Date('2026-01-01T09:00:00Z')),
  ]);
  const inNewYork = nextRuns('at(2026-01-01T09:00:00)', { after, tz: 'America/New_York' });
  assert.equal(inNewYork[0]?.toISOString(), '2026-01-01T14:00:00.000Z');
  assert.equal(nextRuns('at(2026-01-01T00:00:30)', { after })[0]?.toISOString(), '2026-01-01T00:00:30.000Z');
});
Once('at() already past, or exactly now, yields nothing', () => {
  assert.equal(nextRuns('at(2026-01-01T09:00:00)', { after: '2026-01-01T09:00:00Z' }), []);
  assert.equal(nextRuns('at(2026-01-01T09:00:00)', { after: '2027-01-01T00:00:00Z' }), []);
});
Once('a leap day parses', () => {
  assert.equal(parseSchedule('at(2028-02-29T23:59:59)'), {
    kind: 'once',
    expression: 'at(2028-02-29T23:59:59)',
    at: '2028-02-29T23:59:59',
  });
});

Rate.run();
Once.run();
