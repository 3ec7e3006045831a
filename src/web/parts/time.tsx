import { instant } from '../format.js';

/** An instant in UTC; `short` (in tables, whose headers say UTC) drops the seconds and the zone. */
export const Time = ({ at, short }: { at: string | null; short?: boolean }) =>
  at === null || at === '' ? (
    <span class="muted">none</span>
  ) : (
    <time dateTime={at} title={instant(at)}>
      {short === true ? `${at.slice(0, 10)} ${at.slice(11, 16)}` : instant(at)}
    </time>
  );
