import { DateTime } from 'luxon';
import { InvalidInput } from '../errors.js';
import { decodeOrThrow } from '../events/index.js';
import { sql, type Core } from './core.js';
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

/** The series from the finding_days read model: one indexed range read and one sum, whatever the log's size. */
export const getDailySeries = (core: Core, input: DailyWindowInput = {}): DailySeries => {
  const { from, to } = windowOf(input, core.clock());
  const before = sql<[string], { n: number | null }>(core, 'SELECT sum(open_delta) AS n FROM finding_days WHERE day < ?').get(from);
  const rows = sql<[string, string], DayTotals>(
    core,
    'SELECT day, new, resolved, open_delta FROM finding_days WHERE day >= ? AND day <= ? ORDER BY day',
  ).all(from, to);
  return { from, to, days: seriesOf(before?.n ?? 0, rows, from, to) };
};
