import { InvalidInput } from '../../errors.js';
import { expandList, fieldValue, type FieldRule } from './field-list.js';
import type { AwsCronSchedule, DaysOfMonth, DaysOfWeek } from './schedule.js';

const MONTHS = { JAN: 1, FEB: 2, MAR: 3, APR: 4, MAY: 5, JUN: 6, JUL: 7, AUG: 8, SEP: 9, OCT: 10, NOV: 11, DEC: 12 };
// EventBridge numbers weekdays 1 = SUN ... 7 = SAT; the original read them as 0 = SUN, a day late.
const WEEKDAYS = { SUN: 1, MON: 2, TUE: 3, WED: 4, THU: 5, FRI: 6, SAT: 7 };

const minute: FieldRule = { field: 'schedule.minute', min: 0, max: 59, expected: '0-59, , - * /' };
const hour: FieldRule = { field: 'schedule.hour', min: 0, max: 23, expected: '0-23, , - * /' };
const dayOfMonth: FieldRule = {
  field: 'schedule.day_of_month',
  min: 1,
  max: 31,
  expected: '1-31, , - * / ?, L, LW or one day with W (15W)',
};
const month: FieldRule = {
  field: 'schedule.month',
  min: 1,
  max: 12,
  names: MONTHS,
  expected: '1-12, names JAN-DEC, , - * /',
};
const dayOfWeek: FieldRule = {
  field: 'schedule.day_of_week',
  min: 1,
  max: 7,
  names: WEEKDAYS,
  expected: '1-7 (1 = SUN), names SUN-SAT, ?, L, #',
};
const year: FieldRule = { field: 'schedule.year', min: 1970, max: 2199, expected: '1970-2199, , - * /' };

/**
 * Day-of-month: a list, `L` (last day), `LW` (last weekday) or `nW` (weekday nearest day n, within the month).
 * `L`, `LW` and `nW` stand alone: EventBridge documents no lists or ranges of them, nor `L-n`, so those are refused.
 */
const parseDaysOfMonth = (text: string): DaysOfMonth => {
  const none: DaysOfMonth = { days: [], last: false, nearestWeekday: null, lastWeekday: false };
  if (/^L$/i.test(text)) return { ...none, last: true };
  if (/^LW$/i.test(text)) return { ...none, lastWeekday: true };
  const nearest = /^(\d+)W$/i.exec(text);
  if (nearest !== null) {
    const day = fieldValue(dayOfMonth, nearest[1] ?? '');
    if (day === null) throw new InvalidInput(dayOfMonth.field, text, dayOfMonth.expected);
    return { ...none, nearestWeekday: day };
  }
  if (/[LW]/i.test(text)) throw new InvalidInput(dayOfMonth.field, text, dayOfMonth.expected);
  return { ...none, days: expandList(dayOfMonth, text) };
};

/**
 * Day-of-week: a list, `L` (the week's last day, SAT), `nL` (last weekday n of the month) or `n#k` (k-th weekday n
 * of the month, k 1-5). EventBridge allows one `#` expression per field (`3#1,6#3` is invalid); `nL` stands alone
 * the same way. Weekdays convert to 0 = SUN here, so the rest of the code has one numbering.
 */
const parseDaysOfWeek = (text: string): DaysOfWeek => {
  const fail = (): never => {
    throw new InvalidInput(dayOfWeek.field, text, dayOfWeek.expected);
  };
  const toCron = (value: number): number => value - 1;
  if (/^L$/i.test(text)) return { weekdays: [6], nth: 0, last: [] };
  const last = /^([^,#/-]+)L$/i.exec(text);
  if (last !== null) return { weekdays: [], nth: 0, last: [toCron(fieldValue(dayOfWeek, last[1] ?? '') ?? fail())] };
  const nth = /^([^,#/-]+)#(\d)$/.exec(text);
  if (nth !== null) {
    const weekday = fieldValue(dayOfWeek, nth[1] ?? '') ?? fail();
    const occurrence = Number(nth[2]);
    return occurrence >= 1 && occurrence <= 5 ? { weekdays: [toCron(weekday)], nth: occurrence, last: [] } : fail();
  }
  if (/[L#]/i.test(text)) fail(); // no weekday name has an L
  return { weekdays: expandList(dayOfWeek, text).map(toCron), nth: 0, last: [] };
};

/** `cron(minute hour day-of-month month day-of-week year)`, EventBridge's grammar. `inner` is the text in brackets. */
export const parseAwsCron = (expression: string, inner: string): AwsCronSchedule => {
  const fields = inner.trim().split(/\s+/);
  if (fields.length !== 6) {
    throw new InvalidInput('schedule', expression, 'cron(minute hour day-of-month month day-of-week year)');
  }
  const [minutes = '', hours = '', dom = '', months = '', dow = '', years = ''] = fields;
  if (dom === '?' && dow === '?') {
    throw new InvalidInput(dayOfWeek.field, dow, 'a day-of-week when day-of-month is ? (exactly one of them is ?)');
  }
  if (dom !== '?' && dow !== '?') {
    throw new InvalidInput(dayOfWeek.field, dow, '? when day-of-month is given (exactly one of them is ?)');
  }
  const spec = {
    minutes: expandList(minute, minutes),
    hours: expandList(hour, hours),
    daysOfMonth: dom === '?' || dom === '*' ? null : parseDaysOfMonth(dom),
    months: expandList(month, months),
    daysOfWeek: dow === '?' || dow === '*' ? null : parseDaysOfWeek(dow),
    years: expandList(year, years), // `*` too: EventBridge never fires past 2199
  };
  return { kind: 'aws_cron', expression, spec };
};
