const numbers = new Intl.NumberFormat('en-US');

export const count = (n: number): string => numbers.format(n);

/** An instant as UTC, to the second: `2026-01-03 14:05:09 UTC` (one zone for everyone reading an audit). */
export const instant = (iso: string | null): string => (iso === null || iso === '' ? '' : `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`);

/** A duration for people: 45 s, 12 min, 3.5 h, 2.1 days. */
export const duration = (seconds: number | null): string => {
  if (seconds === null) return 'none yet';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 86_400) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} days`;
};

const words: Readonly<Record<string, string>> = {
  false_positive: 'false positive',
  FindingTracked: 'seen',
  FindingResolved: 'resolved',
  FindingSuppressed: 'suppressed',
  FindingUnsuppressed: 'unsuppressed',
  SuppressionExpired: 'suppression ended',
  FindingMarkedFalsePositive: 'marked false positive',
  FindingNoteAdded: 'note',
};

/** A lifecycle, status or event type in words. */
export const label = (value: string): string => words[value] ?? value.replace(/_/g, ' ');

/** Today and `days - 1` days before it, as UTC days: the window of the daily series. */
export const windowOfDays = (days: number, now = Date.now()): { from: string; to: string } => {
  const to = new Date(now).toISOString().slice(0, 10);
  const from = new Date(now - (days - 1) * 86_400_000).toISOString().slice(0, 10);
  return { from, to };
};
