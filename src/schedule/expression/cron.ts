import { CronExpressionParser, type CronExpression } from 'cron-parser';
import { InvalidInput } from '../../errors.js';
import type { CalendarSpec, CronSchedule, DaysOfMonth, DaysOfWeek } from './schedule.js';

const FIELDS = [
  ['schedule.minute', '0-59, , - * /'],
  ['schedule.hour', '0-23, , - * /'],
  ['schedule.day_of_month', '1-31, , - * / L'],
  ['schedule.month', '1-12, names JAN-DEC, , - * /'],
  ['schedule.day_of_week', '0-7 (0 and 7 = SUN), names SUN-SAT, , - * / L #'],
] as const;

// cron-parser's `H` picks a random value unless seeded; a schedule must mean one thing, so it is refused.
const HASHED = /(^|[^A-Za-z])H($|[^A-Za-z])/i;

// A fixed currentDate: cron-parser would otherwise read the clock, though nothing here iterates from it.
const parse = (expression: string): CronExpression =>
  CronExpressionParser.parse(expression, { tz: 'UTC', currentDate: 0 });

/** Names the field cron-parser refused: each field is tried alone among wildcards. */
const refusal = (expression: string, fields: readonly string[]): InvalidInput => {
  for (const [index, [field, expected]] of FIELDS.entries()) {
    const text = fields[index] ?? '';
    const alone = FIELDS.map((_, other) => (other === index ? text : '*')).join(' ');
    if (HASHED.test(text)) return new InvalidInput(field, text, expected);
    try {
      parse(alone);
    } catch {
      return new InvalidInput(field, text, expected);
    }
  }
  // Every field parses alone, so the days and months together are the fault (`0 0 30 2 *` never fires).
  return new InvalidInput('schedule.day_of_month', fields[2], 'a day that one of the months given has');
};

const numbers = (values: readonly (number | string)[]): number[] =>
  [...new Set(values.filter((value): value is number => typeof value === 'number'))].sort((a, b) => a - b);

/**
 * Five-field cron, `minute hour day-of-month month day-of-week`, parsed and expanded by cron-parser. Weekdays are
 * 0-7 with 0 and 7 = SUN. The day fields follow cron-parser (and Vixie cron): a field written `*` or `?` is
 * unrestricted, and when both are restricted a day matching either fires.
 */
export const parseCron = (expression: string): CronSchedule => {
  const fields = expression.split(/\s+/);
  if (fields.length === 6) {
    throw new InvalidInput('schedule', expression, 'five fields; seconds are not supported (AWS form: cron(...))');
  }
  if (fields.length !== 5) {
    throw new InvalidInput('schedule', expression, 'a five-field cron, cron(...), rate(...) or at(...)');
  }
  if (fields.some((field) => HASHED.test(field))) throw refusal(expression, fields);
  let parsed: CronExpression;
  try {
    parsed = parse(expression);
  } catch {
    throw refusal(expression, fields);
  }
  const { minute, hour, dayOfMonth, month, dayOfWeek } = parsed.fields;
  const daysOfMonth: DaysOfMonth | null = dayOfMonth.isWildcard
    ? null
    : { days: numbers(dayOfMonth.values), last: dayOfMonth.hasLastChar, nearestWeekday: null, lastWeekday: false };
  // cron-parser keeps `5L` (last Friday) as text among the numbers, and 7 as given; both become 0 = SUN numbers.
  const weekdays = dayOfWeek.values.map((value) => (typeof value === 'number' ? value % 7 : value));
  const lastWeekdays = dayOfWeek.values.map((value) =>
    typeof value === 'string' && /^[0-7]L$/.test(value) ? Number(value[0]) % 7 : 'none',
  );
  const daysOfWeek: DaysOfWeek | null = dayOfWeek.isWildcard
    ? null
    : { weekdays: numbers(weekdays), nth: dayOfWeek.nthDay, last: numbers(lastWeekdays) };
  const spec: CalendarSpec = {
    minutes: numbers(minute.values),
    hours: numbers(hour.values),
    daysOfMonth,
    months: numbers(month.values),
    daysOfWeek,
    years: null,
  };
  return { kind: 'cron', expression, spec };
};
