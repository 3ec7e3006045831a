import { CronExpressionParser } from 'cron-parser';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { matches, nextRuns, parseSchedule } from '../../../src/schedule/expression/index.js';

const ZONES = [
  'UTC',
  'America/New_York',
  'Europe/London',
  'Australia/Lord_Howe',
  'Asia/Kathmandu',
  'America/Sao_Paulo',
  'Pacific/Auckland',
  'Asia/Tokyo',
] as const;

// DST changes in the three zones the examples test, so `after` lands near one often, not once in years.
const TRANSITIONS = [
  '2026-03-08T07:00:00Z',
  '2026-11-01T06:00:00Z',
  '2026-03-29T01:00:00Z',
  '2026-10-25T01:00:00Z',
  '2026-04-04T15:00:00Z',
  '2026-10-03T15:30:00Z',
].map((instant) => Date.parse(instant));
const HOUR = 3_600_000;

const after = fc.oneof(
  fc.integer({ min: Date.parse('2020-01-01T00:00:00Z'), max: Date.parse('2035-12-31T23:59:59Z') }),
  fc.tuple(fc.constantFrom(...TRANSITIONS), fc.integer({ min: -3 * HOUR, max: 3 * HOUR })).map(([at, by]) => at + by),
);

const pick = (max: number, min = 0) => fc.integer({ min, max }).map(String);
const range = (min: number, max: number) =>
  fc.tuple(fc.integer({ min, max }), fc.integer({ min, max })).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`);
const step = (min: number, max: number) =>
  fc
    .tuple(fc.oneof(fc.constant('*'), pick(max, min)), fc.integer({ min: 1, max: max - min + 1 }))
    .map(([start, by]) => `${start}/${by}`);
const list = (min: number, max: number) =>
  fc.uniqueArray(fc.integer({ min, max }), { minLength: 2, maxLength: 4 }).map((values) => values.join(','));
const numeric = (min: number, max: number) =>
  fc.oneof(fc.constant('*'), pick(max, min), range(min, max), step(min, max), list(min, max));

const awsDayOfMonth = fc.oneof(
  numeric(1, 31),
  fc.constantFrom('L', 'LW'),
  fc.integer({ min: 1, max: 31 }).map((day) => `${day}W`),
);
const awsDayOfWeek = fc.oneof(
  numeric(1, 7),
  fc.constantFrom('MON-FRI', 'SUN', 'SAT,SUN', 'L'),
  fc.integer({ min: 1, max: 7 }).map((day) => `${day}L`),
  fc.tuple(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 5 })).map(([day, nth]) => `${day}#${nth}`),
);
const awsYear = fc.oneof(fc.constant('*'), fc.constant('*'), range(2020, 2040), pick(2036, 2020));
const aws = fc
  .tuple(numeric(0, 59), numeric(0, 23), fc.boolean(), awsDayOfMonth, numeric(1, 12), awsDayOfWeek, awsYear)
  .map(([minute, hour, byMonth, dom, month, dow, year]) =>
    byMonth ? `cron(${minute} ${hour} ${dom} ${month} ? ${year})` : `cron(${minute} ${hour} ? ${month} ${dow} ${year})`,
  );

const fiveDayOfMonth = fc.oneof(numeric(1, 31), fc.constant('L'));
const fiveDayOfWeek = fc.oneof(
  numeric(0, 7),
  fc.integer({ min: 0, max: 7 }).map((day) => `${day}L`),
  fc.tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 1, max: 5 })).map(([day, nth]) => `${day}#${nth}`),
);
const parses = (expression: string): boolean => {
  try {
    parseSchedule(expression);
    return true;
  } catch {
    return false;
  }
};
const five = fc
  .tuple(numeric(0, 59), numeric(0, 23), fiveDayOfMonth, numeric(1, 12), fiveDayOfWeek)
  .map((fields) => fields.join(' '))
  .filter(parses);

const rate = fc.oneof(
  fc.constantFrom('rate(1 minute)', 'rate(1 hour)', 'rate(1 day)'),
  fc
    .tuple(fc.integer({ min: 2, max: 500 }), fc.constantFrom('minutes', 'hours', 'days'))
    .map(([value, unit]) => `rate(${value} ${unit})`),
);

const expression = fc.oneof(aws, five, rate);
const Runs = suite('schedule/expression: next runs, for any expression, zone and instant');

const anchor = fc.integer({ min: Date.parse('2019-01-01T00:00:00Z'), max: Date.parse('2036-12-31T00:00:00Z') });

Runs('runs increase strictly, follow after, match, and each run leads to the next', () => {
  fc.assert(
    fc.property(expression, fc.constantFrom(...ZONES), after, anchor, (expr, tz, from, start) => {
      const schedule = parseSchedule(expr);
      const options = { tz, anchor: new Date(start) };
      const runs = nextRuns(schedule, { ...options, after: new Date(from), count: 5 });
      runs.forEach((run, index) => {
        assert.ok(run.getTime() > (index === 0 ? from : (runs[index - 1]?.getTime() ?? from)), `${expr} ${tz}: order`);
        assert.ok(matches(schedule, run, tz, new Date(start)), `${expr} ${tz}: ${run.toISOString()} matches`);
        const following = nextRuns(schedule, { ...options, after: run, count: 1 })[0];
        const expected = runs[index + 1];
        if (expected !== undefined) assert.is(following?.getTime(), expected.getTime(), `${expr} ${tz}: after a run`);
      });
    }),
    { numRuns: 300 },
  );
});

Runs('in UTC, five-field runs are the ones cron-parser iterates to', () => {
  fc.assert(
    fc.property(five, after, (expr, from) => {
      const ours = nextRuns(expr, { after: new Date(from), count: 5 }).map((run) => run.toISOString());
      const theirs = CronExpressionParser.parse(expr, { currentDate: new Date(from), tz: 'UTC' })
        .take(5)
        .map((run) => run.toISOString());
      assert.equal(ours, theirs, expr);
    }),
    { numRuns: 200 },
  );
});

// A deliberately plain model of the DST policy: walk the real minutes one by one and fire where the local wall time
// matches and has not been seen before (so the repeated hour fires once; a skipped wall time has no minute at all).
const modelRuns = (minutes: readonly number[], hours: readonly number[], tz: string, from: number, to: number) => {
  const seen = new Set<string>();
  const fired: string[] = [];
  const start = Math.floor(from / 60_000) * 60_000 - 3 * HOUR;
  for (let instant = start; instant <= to; instant += 60_000) {
    const local = DateTime.fromMillis(instant, { zone: tz });
    const wall = local.toFormat("yyyy-MM-dd'T'HH:mm");
    const first = !seen.has(wall);
    seen.add(wall);
    if (first && instant > from && minutes.includes(local.minute) && hours.includes(local.hour)) {
      fired.push(new Date(instant).toISOString());
    }
  }
  return fired;
};

Runs('around DST changes, runs are the first real minute of each matching wall time', () => {
  const values = (max: number, most: number) =>
    fc.uniqueArray(fc.integer({ min: 0, max }), { minLength: 1, maxLength: most });
  const nearChange = fc
    .tuple(fc.constantFrom(...TRANSITIONS), fc.integer({ min: -3 * HOUR, max: HOUR }))
    .map(([at, by]) => at + by);
  const dstZones = fc.constantFrom('America/New_York', 'Europe/London', 'Australia/Lord_Howe');
  fc.assert(
    fc.property(values(59, 6), values(23, 8), fc.boolean(), dstZones, nearChange, (minutes, hours, aws, tz, from) => {
      const fields = `${minutes.join(',')} ${hours.join(',')}`;
      const expr = aws ? `cron(${fields} * * ? *)` : `${fields} * * *`;
      const to = from + 5 * HOUR;
      const runs = nextRuns(expr, { after: new Date(from), tz, count: 400 })
        .map((run) => run.toISOString())
        .filter((run) => Date.parse(run) <= to);
      const label = `${expr} in ${tz} after ${new Date(from).toISOString()}`;
      assert.equal(runs, modelRuns(minutes, hours, tz, from, to), label);
    }),
    { numRuns: 100 },
  );
});

Runs.run();
