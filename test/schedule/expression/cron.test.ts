import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { nextRuns, parseSchedule } from '../../../src/schedule/expression/index.js';

// 2026-01-01 is a Thursday.
const runs = (expr: string, after: string, count = 3, tz = 'UTC'): string[] =>
  nextRuns(expr, { after, count, tz }).map((run) => run.toISOString().replace('.000Z', 'Z'));

const FiveField = suite('schedule/expression: five-field cron');

FiveField('0 * * * * runs at the top of every hour', () => {
  assert.equal(runs('0 * * * *', '2026-01-01T10:30:00Z'), [
    '2026-01-01T11:00:00Z',
    '2026-01-01T12:00:00Z',
    '2026-01-01T13:00:00Z',
  ]);
});
FiveField('runs are strictly after the given instant', () => {
  assert.equal(runs('0 0 * * *', '2026-01-01T00:00:00Z', 1), ['2026-01-02T00:00:00Z']);
  assert.equal(runs('0 0 * * *', '2025-12-31T23:59:59.999Z', 1), ['2026-01-01T00:00:00Z']);
});
FiveField('weekday 0 and 7 are both Sunday, and names work', () => {
  const sunday = ['2026-01-04T00:00:00Z', '2026-01-11T00:00:00Z'];
  assert.equal(runs('0 0 * * 0', '2026-01-01T00:00:00Z', 2), sunday);
  assert.equal(runs('0 0 * * 7', '2026-01-01T00:00:00Z', 2), sunday);
  assert.equal(runs('0 0 * * sun', '2026-01-01T00:00:00Z', 2), sunday);
  assert.equal(runs('0 0 * * 1', '2026-01-01T00:00:00Z', 1), ['2026-01-05T00:00:00Z']);
});
FiveField('steps, ranges and lists expand as cron does', () => {
  assert.equal(runs('*/20 9-10 * * *', '2026-01-01T09:30:00Z', 4), [
    '2026-01-01T09:40:00Z',
    '2026-01-01T10:00:00Z',
    '2026-01-01T10:20:00Z',
    '2026-01-01T10:40:00Z',
  ]);
  assert.equal(runs('0 0 1,15 * *', '2026-01-01T00:00:00Z', 2), ['2026-01-15T00:00:00Z', '2026-02-01T00:00:00Z']);
});
FiveField('with both day fields restricted, a day matching either fires', () => {
  // The 13th, or any Friday: Fri 2, Fri 9, Tue 13.
  assert.equal(runs('0 0 13 * 5', '2026-01-01T00:00:00Z'), [
    '2026-01-02T00:00:00Z',
    '2026-01-09T00:00:00Z',
    '2026-01-13T00:00:00Z',
  ]);
});
FiveField("cron-parser's L and # work in five fields too", () => {
  assert.equal(runs('0 0 L * *', '2026-02-01T00:00:00Z', 1), ['2026-02-28T00:00:00Z']);
  assert.equal(runs('0 0 * * 5L', '2026-01-01T00:00:00Z', 1), ['2026-01-30T00:00:00Z']);
  assert.equal(runs('0 0 * * 1#2', '2026-01-01T00:00:00Z', 1), ['2026-01-12T00:00:00Z']);
});
FiveField('Feb 29 waits for a leap year', () => {
  assert.equal(runs('0 0 29 2 *', '2026-01-01T00:00:00Z', 2), ['2028-02-29T00:00:00Z', '2032-02-29T00:00:00Z']);
});
FiveField('the zone moves the wall clock the expression reads', () => {
  assert.equal(runs('0 9 * * *', '2026-01-01T00:00:00Z', 1, 'America/New_York'), ['2026-01-01T14:00:00Z']);
  assert.equal(runs('0 9 * * *', '2026-07-01T00:00:00Z', 1, 'Europe/London'), ['2026-07-01T08:00:00Z']);
  assert.equal(runs('0 9 * * *', '2026-01-01T00:00:00Z', 1, 'Asia/Kathmandu'), ['2026-01-01T03:15:00Z']);
});
FiveField('a count of 0 returns no runs', () => {
  assert.equal(runs('0 0 * * *', '2026-01-01T00:00:00Z', 0), []);
});
FiveField('the parsed schedule keeps the expression and its expanded fields', () => {
  const schedule = parseSchedule('  */30 8 * * MON-FRI ');
  assert.is(schedule.kind, 'cron');
  if (schedule.kind !== 'cron') return;
  assert.is(schedule.expression, '*/30 8 * * MON-FRI');
  assert.equal(schedule.spec.minutes, [0, 30]);
  assert.equal(schedule.spec.daysOfWeek?.weekdays, [1, 2, 3, 4, 5]);
  assert.is(schedule.spec.daysOfMonth, null);
});
FiveField('a parsed schedule can be passed instead of the text', () => {
  const schedule = parseSchedule('0 12 * * *');
  assert.equal(
    nextRuns(schedule, { after: new Date('2026-01-01T00:00:00Z') }).map((run) => run.toISOString()),
    ['2026-01-01T12:00:00.000Z'],
  );
});

FiveField.run();
