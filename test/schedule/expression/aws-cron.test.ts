import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { nextRuns, parseSchedule } from '../../../src/schedule/expression/index.js';

// Instants print without milliseconds so expectations read as written. 2026-01-01 is a Thursday.
const runs = (expr: string, after: string, count = 3): string[] =>
  nextRuns(expr, { after, count }).map((run) => run.toISOString().replace('.000Z', 'Z'));

const Examples = suite('schedule/expression: the EventBridge documentation examples');

Examples('cron(0 10 * * ? *) runs at 10:00 every day', () => {
  assert.equal(runs('cron(0 10 * * ? *)', '2026-01-01T10:00:00Z'), [
    '2026-01-02T10:00:00Z',
    '2026-01-03T10:00:00Z',
    '2026-01-04T10:00:00Z',
  ]);
});
Examples('cron(15 12 * * ? *) runs at 12:15 every day', () => {
  assert.equal(runs('cron(15 12 * * ? *)', '2026-01-01T00:00:00Z', 2), [
    '2026-01-01T12:15:00Z',
    '2026-01-02T12:15:00Z',
  ]);
});
Examples('cron(0 18 ? * MON-FRI *) runs at 18:00 on weekdays only', () => {
  assert.equal(runs('cron(0 18 ? * MON-FRI *)', '2026-01-02T12:00:00Z'), [
    '2026-01-02T18:00:00Z',
    '2026-01-05T18:00:00Z',
    '2026-01-06T18:00:00Z',
  ]);
});
Examples('cron(0 8 1 * ? *) runs at 08:00 on the first of each month', () => {
  assert.equal(runs('cron(0 8 1 * ? *)', '2026-01-01T09:00:00Z', 2), ['2026-02-01T08:00:00Z', '2026-03-01T08:00:00Z']);
});
Examples('cron(0/15 * * * ? *) runs every 15 minutes', () => {
  assert.equal(runs('cron(0/15 * * * ? *)', '2026-01-01T00:00:00Z', 4), [
    '2026-01-01T00:15:00Z',
    '2026-01-01T00:30:00Z',
    '2026-01-01T00:45:00Z',
    '2026-01-01T01:00:00Z',
  ]);
});
Examples('cron(0/10 * ? * MON-FRI *) runs every 10 minutes and skips the weekend', () => {
  assert.equal(runs('cron(0/10 * ? * MON-FRI *)', '2026-01-02T23:45:00Z'), [
    '2026-01-02T23:50:00Z',
    '2026-01-05T00:00:00Z',
    '2026-01-05T00:10:00Z',
  ]);
});
Examples('cron(0/5 8-17 ? * MON-FRI *) runs every 5 minutes from 08:00 to 17:55 on weekdays', () => {
  assert.equal(runs('cron(0/5 8-17 ? * MON-FRI *)', '2026-01-02T17:50:00Z'), [
    '2026-01-02T17:55:00Z',
    '2026-01-05T08:00:00Z',
    '2026-01-05T08:05:00Z',
  ]);
});
Examples('cron(0 9 ? * 2#1 *) runs at 09:00 on the first Monday of each month', () => {
  assert.equal(runs('cron(0 9 ? * 2#1 *)', '2026-01-01T00:00:00Z'), [
    '2026-01-05T09:00:00Z',
    '2026-02-02T09:00:00Z',
    '2026-03-02T09:00:00Z',
  ]);
});
Examples('cron(0 0/4 * * ? *) runs every four hours from midnight', () => {
  assert.equal(runs('cron(0 0/4 * * ? *)', '2026-01-01T21:00:00Z'), [
    '2026-01-02T00:00:00Z',
    '2026-01-02T04:00:00Z',
    '2026-01-02T08:00:00Z',
  ]);
});
Examples('cron(0 0 L * ? *) runs on the last day of each month, leap years included', () => {
  assert.equal(runs('cron(0 0 L * ? *)', '2026-01-15T00:00:00Z', 4), [
    '2026-01-31T00:00:00Z',
    '2026-02-28T00:00:00Z',
    '2026-03-31T00:00:00Z',
    '2026-04-30T00:00:00Z',
  ]);
  assert.equal(runs('cron(0 0 L 2 ? *)', '2027-06-01T00:00:00Z', 1), ['2028-02-29T00:00:00Z']);
});
Examples('cron(0 0 ? * 6L *) runs on the last Friday of each month', () => {
  assert.equal(runs('cron(0 0 ? * 6L *)', '2026-01-01T00:00:00Z', 5), [
    '2026-01-30T00:00:00Z',
    '2026-02-27T00:00:00Z',
    '2026-03-27T00:00:00Z',
    '2026-04-24T00:00:00Z',
    '2026-05-29T00:00:00Z',
  ]);
});
Examples('cron(0 0 15W * ? *) runs on the weekday nearest the 15th', () => {
  // 2026-02-15 and 2026-03-15 are Sundays, 2026-08-15 a Saturday.
  assert.equal(runs('cron(0 0 15W * ? *)', '2026-01-20T00:00:00Z'), [
    '2026-02-16T00:00:00Z',
    '2026-03-16T00:00:00Z',
    '2026-04-15T00:00:00Z',
  ]);
  assert.equal(runs('cron(0 0 15W * ? *)', '2026-08-01T00:00:00Z', 1), ['2026-08-14T00:00:00Z']);
});

const Grammar = suite('schedule/expression: the rest of the EventBridge cron grammar');

Grammar('1W never leaves the month: a Saturday the 1st moves to Monday the 3rd', () => {
  assert.equal(runs('cron(0 0 1W * ? *)', '2026-07-15T00:00:00Z', 1), ['2026-08-03T00:00:00Z']);
});
Grammar('LW is the last weekday of the month', () => {
  // 2026-01-31 is a Saturday, 2026-05-31 a Sunday.
  assert.equal(runs('cron(0 0 LW * ? *)', '2026-01-01T00:00:00Z', 5), [
    '2026-01-30T00:00:00Z',
    '2026-02-27T00:00:00Z',
    '2026-03-31T00:00:00Z',
    '2026-04-30T00:00:00Z',
    '2026-05-29T00:00:00Z',
  ]);
});
Grammar('31W fires only in months with a 31st', () => {
  assert.equal(runs('cron(0 0 31W * ? *)', '2026-04-01T00:00:00Z', 2), [
    '2026-05-29T00:00:00Z',
    '2026-07-31T00:00:00Z',
  ]);
});
Grammar('a weekday name with # picks that occurrence, and a month without a fifth one is skipped', () => {
  assert.equal(runs('cron(0 0 ? * FRI#3 *)', '2026-01-01T00:00:00Z', 1), ['2026-01-16T00:00:00Z']);
  assert.equal(runs('cron(0 0 ? * 6#5 *)', '2026-01-01T00:00:00Z', 2), [
    '2026-01-30T00:00:00Z',
    '2026-05-29T00:00:00Z',
  ]);
});
Grammar('L alone in day-of-week is the last day of the week, Saturday', () => {
  assert.equal(runs('cron(0 0 ? * L *)', '2026-01-01T00:00:00Z', 2), ['2026-01-03T00:00:00Z', '2026-01-10T00:00:00Z']);
});
Grammar('weekdays count from 1 = SUN, the day the original read a day late', () => {
  assert.equal(runs('cron(0 12 ? * 1 *)', '2026-01-01T00:00:00Z', 2), ['2026-01-04T12:00:00Z', '2026-01-11T12:00:00Z']);
  assert.equal(runs('cron(0 12 ? * 2 *)', '2026-01-01T00:00:00Z', 1), ['2026-01-05T12:00:00Z']);
  assert.equal(runs('cron(0 12 ? * 7 *)', '2026-01-01T00:00:00Z', 1), ['2026-01-03T12:00:00Z']);
  assert.equal(runs('cron(0 12 ? * SUN *)', '2026-01-01T00:00:00Z', 1), ['2026-01-04T12:00:00Z']);
});
Grammar('names are read in any case, and month names and lists combine', () => {
  assert.equal(runs('cron(0 0 1 jan,Jul ? *)', '2026-01-01T00:00:00Z', 2), [
    '2026-07-01T00:00:00Z',
    '2027-01-01T00:00:00Z',
  ]);
});
Grammar('a step from an offset starts at that offset', () => {
  assert.equal(runs('cron(1/20 * * * ? *)', '2026-01-01T00:00:00Z'), [
    '2026-01-01T00:01:00Z',
    '2026-01-01T00:21:00Z',
    '2026-01-01T00:41:00Z',
  ]);
});
Grammar('the year field limits runs, and a range in the past yields none', () => {
  assert.equal(runs('cron(0 0 1 1 ? 2026)', '2025-06-01T00:00:00Z', 3), ['2026-01-01T00:00:00Z']);
  assert.equal(runs('cron(30 14 10,20 * ? 2026-2030)', '2030-12-15T00:00:00Z', 3), ['2030-12-20T14:30:00Z']);
  assert.equal(runs('cron(0 0 * * ? 1970-1971)', '2026-01-01T00:00:00Z'), []);
});
Grammar('a search before 1970 starts at the first allowed year', () => {
  assert.equal(runs('cron(0 0 1 1 ? *)', '1960-01-01T00:00:00Z', 1), ['1970-01-01T00:00:00Z']);
});
Grammar('the last year EventBridge knows is 2199', () => {
  assert.equal(runs('cron(0 0 31 12 ? *)', '2199-06-01T00:00:00Z', 3), ['2199-12-31T00:00:00Z']);
});
Grammar('a date that never comes ends the search with no runs', () => {
  assert.equal(runs('cron(0 0 30 2 ? *)', '2026-01-01T00:00:00Z'), []);
});
Grammar('day-of-month * with day-of-week ? selects every day', () => {
  const schedule = parseSchedule('cron(0 0 * * ? *)');
  assert.is(schedule.kind, 'aws_cron');
  assert.equal(runs('cron(0 0 ? * * *)', '2026-01-01T00:00:00Z', 2), ['2026-01-02T00:00:00Z', '2026-01-03T00:00:00Z']);
});

Examples.run();
Grammar.run();
