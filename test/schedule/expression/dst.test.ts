import { DateTime } from 'luxon';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { matches, nextRuns } from '../../../src/schedule/expression/index.js';

const runs = (expr: string, tz: string, after: string, count = 3): string[] =>
  nextRuns(expr, { after, count, tz }).map((run) => run.toISOString().replace('.000Z', 'Z'));
const offset = (tz: string, instant: string): number => DateTime.fromISO(instant, { zone: tz }).offset;

const NY = 'America/New_York';
const LONDON = 'Europe/London';
const LORD_HOWE = 'Australia/Lord_Howe';

const Dst = suite('schedule/expression: daylight saving time');

Dst('the zone data puts the 2026 transitions where these tests expect them', () => {
  assert.equal([offset(NY, '2026-03-08T06:59:00Z'), offset(NY, '2026-03-08T07:00:00Z')], [-300, -240]);
  assert.equal([offset(NY, '2026-11-01T05:59:00Z'), offset(NY, '2026-11-01T06:00:00Z')], [-240, -300]);
  assert.equal([offset(LONDON, '2026-03-29T00:59:00Z'), offset(LONDON, '2026-03-29T01:00:00Z')], [0, 60]);
  assert.equal([offset(LONDON, '2026-10-25T00:59:00Z'), offset(LONDON, '2026-10-25T01:00:00Z')], [60, 0]);
  // Lord Howe shifts by 30 minutes: 02:00 +11 back to 01:30 +10:30, and 02:00 +10:30 on to 02:30 +11.
  assert.equal([offset(LORD_HOWE, '2026-04-04T14:59:00Z'), offset(LORD_HOWE, '2026-04-04T15:00:00Z')], [660, 630]);
  assert.equal([offset(LORD_HOWE, '2026-10-03T15:29:00Z'), offset(LORD_HOWE, '2026-10-03T15:30:00Z')], [630, 660]);
});

Dst('New York: a daily 02:30 is skipped on the spring-forward day, not moved to 03:30', () => {
  const expected = ['2026-03-07T07:30:00Z', '2026-03-09T06:30:00Z'];
  assert.equal(runs('30 2 * * *', NY, '2026-03-07T00:00:00Z', 2), expected);
  assert.equal(runs('cron(30 2 * * ? *)', NY, '2026-03-07T00:00:00Z', 2), expected);
  assert.not.ok(matches('30 2 * * *', new Date('2026-03-08T07:30:00Z'), NY));
});
Dst('New York: hourly cron goes from 01:00 EST straight to 03:00 EDT in spring', () => {
  const expected = ['2026-03-08T06:00:00Z', '2026-03-08T07:00:00Z', '2026-03-08T08:00:00Z'];
  assert.equal(runs('0 * * * *', NY, '2026-03-08T05:30:00Z'), expected);
  assert.equal(runs('cron(0 * * * ? *)', NY, '2026-03-08T05:30:00Z'), expected);
});
Dst('New York: a daily 01:30 fires once on the fall-back day, at its first (EDT) occurrence', () => {
  const expected = ['2026-11-01T05:30:00Z', '2026-11-02T06:30:00Z'];
  assert.equal(runs('30 1 * * *', NY, '2026-10-31T12:00:00Z', 2), expected);
  assert.equal(runs('cron(30 1 * * ? *)', NY, '2026-10-31T12:00:00Z', 2), expected);
  assert.ok(matches('30 1 * * *', new Date('2026-11-01T05:30:00Z'), NY));
  assert.not.ok(matches('30 1 * * *', new Date('2026-11-01T06:30:00Z'), NY));
});
Dst('New York: hourly cron fires once per wall hour on fall-back day, so 01:00 to 02:00 takes two real hours', () => {
  const expected = ['2026-11-01T04:00:00Z', '2026-11-01T05:00:00Z', '2026-11-01T07:00:00Z', '2026-11-01T08:00:00Z'];
  assert.equal(runs('0 * * * *', NY, '2026-11-01T03:30:00Z', 4), expected);
  assert.equal(runs('cron(0 * * * ? *)', NY, '2026-11-01T03:30:00Z', 4), expected);
});
Dst('New York: asked during the repeated hour, the next run is the first wall time not yet fired', () => {
  // 06:10Z is 01:10 EST, the second pass: 01:15 to 01:45 already fired in the first.
  assert.equal(runs('*/15 * * * *', NY, '2026-11-01T06:10:00Z', 2), ['2026-11-01T07:00:00Z', '2026-11-01T07:15:00Z']);
  assert.equal(runs('*/15 * * * *', NY, '2026-11-01T05:40:00Z', 2), ['2026-11-01T05:45:00Z', '2026-11-01T07:00:00Z']);
});
Dst('London: 01:30 is skipped on 2026-03-29 and fires once on 2026-10-25', () => {
  assert.equal(runs('30 1 * * *', LONDON, '2026-03-28T12:00:00Z', 1), ['2026-03-30T00:30:00Z']);
  assert.equal(runs('cron(30 1 * * ? *)', LONDON, '2026-03-28T12:00:00Z', 1), ['2026-03-30T00:30:00Z']);
  const fall = ['2026-10-25T00:30:00Z', '2026-10-26T01:30:00Z'];
  assert.equal(runs('30 1 * * *', LONDON, '2026-10-24T12:00:00Z', 2), fall);
  assert.equal(runs('cron(30 1 * * ? *)', LONDON, '2026-10-24T12:00:00Z', 2), fall);
});
Dst('Lord Howe: the half-hour gap skips 02:15 but not 02:45', () => {
  assert.equal(runs('15 2 * * *', LORD_HOWE, '2026-10-03T00:00:00Z', 1), ['2026-10-04T15:15:00Z']);
  assert.equal(runs('cron(15 2 * * ? *)', LORD_HOWE, '2026-10-03T00:00:00Z', 1), ['2026-10-04T15:15:00Z']);
  assert.equal(runs('45 2 * * *', LORD_HOWE, '2026-10-03T00:00:00Z', 1), ['2026-10-03T15:45:00Z']);
});
Dst('Lord Howe: 01:45 in the half-hour overlap fires once, at +11', () => {
  const expected = ['2026-04-04T14:45:00Z', '2026-04-05T15:15:00Z'];
  assert.equal(runs('45 1 * * *', LORD_HOWE, '2026-04-04T00:00:00Z', 2), expected);
  assert.equal(runs('cron(45 1 * * ? *)', LORD_HOWE, '2026-04-04T00:00:00Z', 2), expected);
  assert.not.ok(matches('45 1 * * *', new Date('2026-04-04T15:15:00Z'), LORD_HOWE));
});
Dst('at() in a gap never fires and at() in an overlap fires at the first occurrence', () => {
  assert.equal(runs('at(2026-03-08T02:30:00)', NY, '2026-01-01T00:00:00Z'), []);
  assert.equal(runs('at(2026-11-01T01:30:00)', NY, '2026-01-01T00:00:00Z'), ['2026-11-01T05:30:00Z']);
  assert.equal(runs('at(2026-03-29T01:30:00)', LONDON, '2026-01-01T00:00:00Z'), []);
  assert.equal(runs('at(2026-10-25T01:30:00)', LONDON, '2026-01-01T00:00:00Z'), ['2026-10-25T00:30:00Z']);
  assert.equal(runs('at(2026-10-04T02:15:00)', LORD_HOWE, '2026-01-01T00:00:00Z'), []);
  assert.equal(runs('at(2026-04-05T01:45:00)', LORD_HOWE, '2026-01-01T00:00:00Z'), ['2026-04-04T14:45:00Z']);
});
Dst('rate(1 day) is 24 hours, so it moves an hour on the wall clock across a change', () => {
  // 12:00 EST on 2026-03-07, then 13:00 EDT.
  const anchor = '2026-03-07T17:00:00Z';
  assert.equal(
    nextRuns('rate(1 day)', { after: anchor, anchor, tz: NY, count: 2 }).map((run) => run.toISOString()),
    ['2026-03-08T17:00:00.000Z', '2026-03-09T17:00:00.000Z'],
  );
});

Dst.run();
