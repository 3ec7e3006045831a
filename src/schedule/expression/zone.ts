import { FixedOffsetZone, IANAZone, type Zone } from 'luxon';
import { InvalidInput } from '../../errors.js';
import { DAY, MINUTE } from './calendar.js';

/** A job's IANA zone: its UTC offset, in minutes, at any instant. */
export type TimeZone = Readonly<{ name: string; offsetAt: (instant: number) => number }>;

type DayOffsets = number | Readonly<{ at: number; before: number; after: number }>;

// luxon asks Intl for every offset (about 13 µs each), and a search asks for a few per candidate. Offsets are kept
// per UTC day: equal at both ends means one offset all day; otherwise the day's transition is found to the minute.
// This assumes no zone changes its offset twice within one UTC day.
const CACHE_DAYS = 100_000;

const cachedOffsets = (zone: Zone): ((instant: number) => number) => {
  const days = new Map<number, DayOffsets>();
  const transition = (start: number, before: number): number => {
    let low = 0;
    let high = DAY / MINUTE;
    while (high - low > 1) {
      const middle = Math.floor((low + high) / 2);
      if (zone.offset(start + middle * MINUTE) === before) low = middle;
      else high = middle;
    }
    return start + high * MINUTE;
  };
  return (instant) => {
    const day = Math.floor(instant / DAY);
    let known = days.get(day);
    if (known === undefined) {
      if (days.size >= CACHE_DAYS) days.clear();
      const start = day * DAY;
      const before = zone.offset(start);
      const after = zone.offset(start + DAY);
      known = before === after ? before : { at: transition(start, before), before, after };
      days.set(day, known);
    }
    return typeof known === 'number' ? known : instant < known.at ? known.before : known.after;
  };
};

const zones = new Map<string, TimeZone>();

/** The zone named `tz`; an unknown name is the caller's input error, reported as field `tz`. */
export const timeZone = (tz: string): TimeZone => {
  const known = zones.get(tz);
  if (known !== undefined) return known;
  if (typeof tz !== 'string' || !IANAZone.isValidZone(tz)) {
    throw new InvalidInput('tz', tz, 'an IANA time zone such as UTC or Europe/London');
  }
  const offsets = cachedOffsets(tz === 'UTC' ? FixedOffsetZone.utcInstance : IANAZone.create(tz));
  const zone: TimeZone = { name: tz, offsetAt: offsets };
  zones.set(tz, zone);
  return zone;
};

export const wallAt = (zone: TimeZone, instant: number): number => instant + zone.offsetAt(instant) * MINUTE;

/**
 * The instant a wall time fires, or null when it never does. This is EventBridge Scheduler's DST policy, the one
 * policy every schedule kind here shares:
 * - a wall time in the spring-forward gap does not exist that day, so it is skipped (no run at 02:30 in New York on
 *   2026-03-08, nor a late one at 03:30);
 * - a wall time in the fall-back overlap exists twice and fires once, at its first occurrence (the daylight-time one).
 *   So `0 * * * *` in New York on 2026-11-01 fires at 01:00 EDT and next at 02:00 EST, two real hours later: it fires
 *   once per distinct local wall time, never twice for the repeated 01:00.
 * Offsets a day either side bracket every offset the wall time can have (offsets stay within ±14 h).
 */
export const instantOf = (zone: TimeZone, wall: number): number | null => {
  const early = zone.offsetAt(wall - DAY);
  const late = zone.offsetAt(wall + DAY);
  const first = wall - early * MINUTE;
  const firstExists = zone.offsetAt(first) === early;
  if (early === late) return firstExists ? first : null;
  const second = wall - late * MINUTE;
  const secondExists = zone.offsetAt(second) === late;
  if (firstExists && secondExists) return Math.min(first, second);
  return firstExists ? first : secondExists ? second : null;
};
