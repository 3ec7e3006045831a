import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InvalidInput } from '../../../src/errors.js';
import { matches, nextRuns, parseSchedule } from '../../../src/schedule/expression/index.js';

const refusal = (run: () => unknown): InvalidInput => {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidInput) return error;
    throw error;
  }
  throw new Error('expected InvalidInput, nothing was thrown');
};
const refused = (expression: string, field: string, value: string): void => {
  const error = refusal(() => parseSchedule(expression));
  assert.is(error.field, field, `${expression}: field`);
  assert.is(error.value, value, `${expression}: value`);
};

const Rejections = suite('schedule/expression: rejections');

Rejections('a rate of zero is refused, with a message naming the part and what was expected', () => {
  refused('rate(0 minutes)', 'schedule.rate', '0 minutes');
  const { message } = refusal(() => parseSchedule('rate(0 minutes)'));
  assert.match(message, /^invalid schedule\.rate: "0 minutes" \(expected a positive whole number/);
});
Rejections('a rate value must be a plain positive whole number', () => {
  refused('rate(-1 hours)', 'schedule.rate', '-1 hours');
  refused('rate(1.5 hours)', 'schedule.rate', '1.5 hours');
  refused('rate(+5 minutes)', 'schedule.rate', '+5 minutes');
  refused('rate(05 minutes)', 'schedule.rate', '05 minutes');
  refused('rate(five minutes)', 'schedule.rate', 'five minutes');
});
Rejections('a rate unit is singular for 1 and plural from 2', () => {
  refused('rate(1 minutes)', 'schedule.rate', '1 minutes');
  refused('rate(5 minute)', 'schedule.rate', '5 minute');
  refused('rate(2 day)', 'schedule.rate', '2 day');
});
Rejections('a rate unit other than minutes, hours or days is refused', () => {
  refused('rate(2 weeks)', 'schedule.rate', '2 weeks');
  refused('rate(5)', 'schedule.rate', '5');
});
Rejections('AWS weekdays run 1-7, so 0 and 8 are refused', () => {
  refused('cron(0 12 ? * 0 *)', 'schedule.day_of_week', '0');
  refused('cron(0 12 ? * 8 *)', 'schedule.day_of_week', '8');
  assert.match(
    refusal(() => parseSchedule('cron(0 12 ? * 8 *)')).message,
    'invalid schedule.day_of_week: "8" (expected 1-7 (1 = SUN), names SUN-SAT, ?, L, #)',
  );
});
Rejections('exactly one of day-of-month and day-of-week is ?', () => {
  refused('cron(0 12 ? * ? *)', 'schedule.day_of_week', '?');
  refused('cron(0 12 * * * *)', 'schedule.day_of_week', '*');
  refused('cron(0 12 1 * MON *)', 'schedule.day_of_week', 'MON');
});
Rejections('years run 1970-2199', () => {
  refused('cron(0 0 1 1 ? 1969)', 'schedule.year', '1969');
  refused('cron(0 0 1 1 ? 2200)', 'schedule.year', '2200');
  refused('cron(0 0 1 1 ? 2190-2200)', 'schedule.year', '2190-2200');
});
Rejections('W takes one day, never a range or list', () => {
  refused('cron(0 0 1-15W * ? *)', 'schedule.day_of_month', '1-15W');
  refused('cron(0 0 1,15W * ? *)', 'schedule.day_of_month', '1,15W');
  refused('cron(0 0 32W * ? *)', 'schedule.day_of_month', '32W');
});
Rejections('# takes an occurrence from 1 to 5, once per field', () => {
  refused('cron(0 0 ? * 6#6 *)', 'schedule.day_of_week', '6#6');
  refused('cron(0 0 ? * 6#0 *)', 'schedule.day_of_week', '6#0');
  refused('cron(0 0 ? * 3#1,6#3 *)', 'schedule.day_of_week', '3#1,6#3');
});
Rejections('L-n is not in the EventBridge grammar, nor L in a list', () => {
  refused('cron(0 0 L-2 * ? *)', 'schedule.day_of_month', 'L-2');
  refused('cron(0 0 1,L * ? *)', 'schedule.day_of_month', '1,L');
  refused('cron(0 0 ? * 2,6L *)', 'schedule.day_of_week', '2,6L');
});
Rejections('out-of-range and backwards AWS fields name their field', () => {
  refused('cron(60 0 * * ? *)', 'schedule.minute', '60');
  refused('cron(0 24 * * ? *)', 'schedule.hour', '24');
  refused('cron(0 0 0 * ? *)', 'schedule.day_of_month', '0');
  refused('cron(0 0 1 13 ? *)', 'schedule.month', '13');
  refused('cron(0 0 1 FOO ? *)', 'schedule.month', 'FOO');
  refused('cron(0 0 ? * FRI-MON *)', 'schedule.day_of_week', 'FRI-MON');
  refused('cron(0/0 0 * * ? *)', 'schedule.minute', '0/0');
});
Rejections('an AWS cron needs six fields', () => {
  refused('cron(0 12 * * ?)', 'schedule', 'cron(0 12 * * ?)');
  refused('cron(0 0 12 * * ? *)', 'schedule', 'cron(0 0 12 * * ? *)');
});
Rejections('a six-field plain cron (with seconds) is refused', () => {
  refused('0 0 12 * * ?', 'schedule', '0 0 12 * * ?');
  assert.match(refusal(() => parseSchedule('0 0 12 * * *')).expected, 'seconds are not supported');
});
Rejections('five-field faults name their field', () => {
  refused('60 * * * *', 'schedule.minute', '60');
  refused('0 24 * * *', 'schedule.hour', '24');
  refused('0 0 32 * *', 'schedule.day_of_month', '32');
  refused('0 0 * 13 *', 'schedule.month', '13');
  refused('0 0 * * 8', 'schedule.day_of_week', '8');
  refused('0 0 30 2 *', 'schedule.day_of_month', '30');
});
Rejections("cron-parser's random H is refused", () => {
  refused('H * * * *', 'schedule.minute', 'H');
  refused('0 H/2 * * *', 'schedule.hour', 'H/2');
});
Rejections('an at() must be a real calendar date and time', () => {
  refused('at(2026-02-30T00:00:00)', 'schedule.at', '2026-02-30T00:00:00');
  refused('at(2026-01-01T24:00:00)', 'schedule.at', '2026-01-01T24:00:00');
  refused('at(2026-01-01 00:00:00)', 'schedule.at', '2026-01-01 00:00:00');
  refused('at(2026-01-01T00:00:00Z)', 'schedule.at', '2026-01-01T00:00:00Z');
});
Rejections('wholly unrecognised text is refused as the schedule', () => {
  refused('every tuesday', 'schedule', 'every tuesday');
  refused('', 'schedule', '');
  refused('@daily', 'schedule', '@daily');
  refused('cron[0 12 * * ? *]', 'schedule', 'cron[0 12 * * ? *]');
  refused('weekly(1)', 'schedule', 'weekly(1)');
});
Rejections('an unknown zone, a local after and a fractional count are input errors', () => {
  const zone = refusal(() => nextRuns('0 * * * *', { after: '2026-01-01T00:00:00Z', tz: 'Mars/Olympus' }));
  assert.equal([zone.field, zone.value], ['tz', 'Mars/Olympus']);
  const local = refusal(() => nextRuns('0 * * * *', { after: '2026-01-01T00:00:00' }));
  assert.equal([local.field, local.value], ['after', '2026-01-01T00:00:00']);
  assert.is(refusal(() => nextRuns('0 * * * *', { after: '2026-01-01' })).field, 'after');
  const invalid = refusal(() => nextRuns('0 * * * *', { after: new Date(Number.NaN) }));
  assert.is(invalid.field, 'after');
  const count = refusal(() => nextRuns('0 * * * *', { after: '2026-01-01T00:00:00Z', count: 1.5 }));
  assert.equal([count.field, count.value], ['count', 1.5]);
});
Rejections('matches refuses a rate schedule without its anchor', () => {
  const error = refusal(() => matches('rate(5 minutes)', new Date('2026-01-01T00:05:00Z')));
  assert.is(error.field, 'anchor');
});

Rejections.run();
