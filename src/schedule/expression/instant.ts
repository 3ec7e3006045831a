import { DateTime } from 'luxon';
import { InvalidInput } from '../../errors.js';

// An instant given as text must say its offset: a bare local time would be read in the host's zone.
const ZONED = /T[\d:.,]+(Z|[+-]\d{2}(:?\d{2})?)$/i;

/** Milliseconds of a Date or an ISO 8601 instant with Z or an offset; anything else is `field`'s input error. */
export const toInstant = (value: Date | string, field: string): number => {
  const millis =
    value instanceof Date
      ? value.getTime()
      : typeof value === 'string' && ZONED.test(value)
        ? DateTime.fromISO(value, { setZone: true }).toMillis()
        : Number.NaN;
  if (!Number.isFinite(millis)) throw new InvalidInput(field, value, 'an ISO 8601 instant with Z or an offset');
  return millis;
};
