/** Plain-text tables and records for people; --json output never goes through here. */
export const table = (headers: readonly string[], rows: readonly (readonly unknown[])[]): string => {
  const cells = [headers, ...rows.map((r) => r.map(cell))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] as string | undefined)?.length ?? 0)));
  return cells
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : (c as string).padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
};

const cell = (v: unknown): string => {
  if (v === null || v === undefined || v === '') return '-';
  if (Array.isArray(v)) return v.length === 0 ? '-' : v.join(',');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
};

/** One record as `key  value` lines, in the record's own key order. */
export const record = (value: object): string => {
  const entries = Object.entries(value);
  const width = Math.max(...entries.map(([k]) => k.length));
  return entries.map(([k, v]) => `${k.padEnd(width)}  ${cell(v)}`).join('\n');
};
