/**
 * What each origin may say, and about which accounts and regions: the replica's trust configuration as the domain
 * sees it (sync resolves keys, credentials and revocations into this table). Patterns are `<account>[/<region>]`;
 * `*` in a part matches any run of characters; an account alone means all its regions; `*` alone means everything.
 */
export interface OriginRights {
  /** Scopes it may report scans, sightings, checkpoints and scan outcomes for. */
  readonly report: readonly string[];
  /** Scopes it may decide on: resolve, suppress, unsuppress, mark false positive, add notes. */
  readonly decide: readonly string[];
}

/** null: no trust configuration, the single-team mode in which every origin may say anything. */
export type AuthorityTable = ReadonlyMap<string, OriginRights> | null;

export type Right = keyof OriginRights;

const compiled = new Map<string, RegExp>();
const globPart = (part: string): RegExp => {
  let re = compiled.get(part);
  if (re === undefined) {
    const body = part.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
    if (compiled.size > 10_000) compiled.clear();
    compiled.set(part, (re = new RegExp(`^${body}$`, 's')));
  }
  return re;
};

/** Whether one pattern covers (account, region). */
export const scopeMatches = (pattern: string, account: string, region: string): boolean => {
  const slash = pattern.indexOf('/');
  const accountPart = slash < 0 ? pattern : pattern.slice(0, slash);
  const regionPart = slash < 0 ? '*' : pattern.slice(slash + 1);
  return globPart(accountPart).test(account) && globPart(regionPart).test(region);
};

/** Checks a pattern's form: the message says what is wrong, or null when it is usable. */
export const scopePatternProblem = (pattern: string): string | null => {
  if (pattern.length === 0 || pattern.length > 300) return 'a pattern of 1-300 characters';
  if (pattern.split('/').length > 2) return '<account>[/<region>], at most one /';
  if (/[\u0000-\u001f\u007f]/.test(pattern)) return 'no control characters';
  return null;
};

/** Whether `origin` may say what needs `right` about (account, region). The local origin may always. */
export const mayOn = (
  table: AuthorityTable,
  local: string,
  origin: string,
  right: Right,
  account: string,
  region: string,
): boolean => {
  if (table === null || origin === local) return true;
  const rights = table.get(origin);
  return rights !== undefined && rights[right].some((p) => scopeMatches(p, account, region));
};

/** Whether an origin may decide anything at all (a cheap refusal before any scope is known). */
export const mayDecideSomewhere = (table: AuthorityTable, local: string, origin: string): boolean =>
  table === null || origin === local || (table.get(origin)?.decide.length ?? 0) > 0;
