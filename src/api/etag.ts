/**
 * A read answer is a function of the URL and the log position its read models reflect, so the position is its
 * validator: a client that sends it back in If-None-Match gets 304 without the query running. Every append
 * changes it, which is conservative (a write elsewhere invalidates this URL too) and never stale.
 */
export const etagOf = (position: number): string => `"${position}"`;

/**
 * RFC 9110 §13.1.2: a list of entity tags compared weakly (W/ ignored). `*` is not honoured: it means "any current
 * answer", and whether the resource exists is only known after the query the shortcut exists to skip.
 */
export const noneMatch = (header: string | undefined, etag: string): boolean => {
  if (header === undefined) return false;
  return header
    .split(',')
    .map((s) => s.trim().replace(/^W\//, ''))
    .some((tag) => tag === etag);
};
