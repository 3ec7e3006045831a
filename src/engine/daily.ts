import { DateTime } from 'luxon';
import { InvalidInput } from '../errors.js';
import { decodeOrThrow } from '../events/index.js';
import { dayCounter } from '../../projections/index.js';
import type { Core } from './core.js';
import { DailyWindowInput } from './inputs.js';

/** One UTC day of the series: findings first seen, findings resolved, and the open count at the day's end. */
export interface DailyPoint {
  readonly day: string;
  readonly new: number;
  readonly resolved: number;
  readonly open: number;
}

export interface DailySeries {
  readonly from: string;
  readonly to: string;
  readonly days: readonly DailyPoint[];
}

/** A row of the finding_days read model: what changed on a day that had changes. */
export interface DayTotals {
  readonly day: string;
  readonly new: number;
  readonly resolved: number;
  readonly open_delta: number;
}

export const defaultWindowDays = 30;
export const maxWindowDays = 1000;

const plusDays = (day: string, n: number): string =>
  DateTime.fromISO(day, { zone: 'utc' }).plus({ days: n }).toISODate() ?? day;

/**
 * Every day from `from` to `to`, inclusive: days without changes count zero, and the open count carries forward from
 * `openBefore`, the open count at the end of the day before `from`. `rows` are the days with changes, in order.
 */
export const seriesOf = (openBefore: number, rows: readonly DayTotals[], from: string, to: string): DailyPoint[] => {
  const byDay = new Map(rows.map((r) => [r.day, r]));
  const points: DailyPoint[] = [];
  let open = openBefore;
  for (let day = from; day <= to; day = plusDays(day, 1)) {
    const r = byDay.get(day);
    open += r?.open_delta ?? 0;
    points.push({ day, new: r?.new ?? 0, resolved: r?.resolved ?? 0, open });
  }
  return points;
};

/** The window asked for: `to` defaults to today (UTC), `from` to 29 days before `to`; at most 1000 days. */
export const windowOf = (input: DailyWindowInput, nowMs: number): { from: string; to: string } => {
  const w = decodeOrThrow(DailyWindowInput, input);
  const to = w.to ?? DateTime.fromMillis(nowMs, { zone: 'utc' }).toISODate() ?? '';
  const from = w.from ?? plusDays(to, -(defaultWindowDays - 1));
  if (from > to) throw new InvalidInput('from', from, `a day on or before to (${to})`);
  if (plusDays(from, maxWindowDays - 1) < to) throw new InvalidInput('to', to, `a day at most ${maxWindowDays} days after from`);
  return { from, to };
};

/** The counters of one measure from `from` on (to `to`, or to the last day there is), by day. */
const measureOf = async (core: Core, key: (day: string) => string, from: string, to?: string): Promise<Map<string, number>> => {
  const prefix = key('');
  const rows = await core.backend.models.rows({
    table: 'finding_days',
    where: [
      { column: 'key', op: '>=', value: key(from) },
      // Days are fixed-width: every day of the measure sorts below its prefix followed by '~'.
      { column: 'key', op: '<=', value: to === undefined ? `${prefix}~` : key(to) },
    ],
    order: [{ column: 'key' }],
  });
  return new Map(rows.map((r) => [(r.key as string).slice(prefix.length), r.value as number]));
};

/**
 * The series from the finding_days counters: range reads of the window's days and one counter, whatever the log's
 * size. The open count before the window is the open count now less the changes from `from` on (usually the window
 * itself: a range read of the days since `from`, not of every day before it).
 */
export const getDailySeries = async (core: Core, input: DailyWindowInput = {}): Promise<DailySeries> => {
  const { from, to } = windowOf(input, core.clock());
  const [added, resolved, opened, total] = await Promise.all([
    measureOf(core, dayCounter.new, from, to),
    measureOf(core, dayCounter.resolved, from, to),
    measureOf(core, dayCounter.open, from),
    core.backend.models.rows({ table: 'finding_days', where: [{ column: 'key', op: '=', value: dayCounter.openTotal }] }),
  ]);
  const openNow = (total[0]?.value as number | undefined) ?? 0;
  let since = 0;
  for (const delta of opened.values()) since += delta;
  const changed = [...new Set([...added.keys(), ...resolved.keys(), ...[...opened.keys()].filter((d) => d <= to)])].sort();
  const rows: DayTotals[] = changed.map((day) => ({
    day,
    new: added.get(day) ?? 0,
    resolved: resolved.get(day) ?? 0,
    open_delta: opened.get(day) ?? 0,
  }));
  return { from, to, days: seriesOf(openNow - since, rows, from, to) };
};
