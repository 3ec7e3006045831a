import { useEffect, useRef } from 'preact/hooks';
import { findingPath, get, query } from '../api.js';
import { count, label } from '../format.js';
import { useLoad } from '../load.js';
import { navigate } from '../route.js';
import { lifecycles, severities, type Finding } from '../types.js';
import { Badge } from '../parts/badge.js';
import { Due, SeverityTag } from '../parts/severity.js';
import { Link } from '../parts/link.js';
import { Loading, Problem } from '../parts/notice.js';
import { Empty, Table, Th } from '../parts/table.js';
import { Time } from '../parts/time.js';

/** The filters a findings view takes from its URL (and puts back in it), named as the API's parameters. */
const filterNames = ['lifecycle', 'severity', 'sla', 'asset', 'rule', 'account', 'region'] as const;
/** The SLA choices the API takes as `sla`; the words say what each means. */
const slaChoices: readonly { value: string; text: string }[] = [
  { value: 'breached', text: 'breached (past due)' },
  { value: 'due-within=7d', text: 'due within 7 days' },
];
const describe = (name: (typeof filterNames)[number], value: string): string =>
  name === 'sla' ? `SLA ${slaChoices.find((c) => c.value === value)?.text ?? value}` : `${name} ${label(value)}`;
type Sort = '-last_seen' | 'last_seen' | 'finding_id';
const pageSize = 50;

const sortOf = (q: URLSearchParams): Sort => {
  const s = q.get('sort');
  return s === 'last_seen' || s === 'finding_id' ? s : '-last_seen';
};

/** The URL of this view with some parameters changed (a new filter or order starts again from the first page). */
const hrefWith = (q: URLSearchParams, changes: Record<string, string | null>): string => {
  const next = new URLSearchParams(q);
  for (const [k, v] of Object.entries(changes)) if (v === null || v === '') next.delete(k);
  else next.set(k, v);
  if (!('cursor' in changes)) next.delete('cursor');
  const text = next.toString();
  return `/findings${text === '' ? '' : `?${text}`}`;
};

/**
 * Uncontrolled fields, so what is being typed survives a live update; when the URL changes (a shared link, Clear,
 * the back button) they take its values, and the focus stays where it was.
 */
const Filters = ({ q }: { q: URLSearchParams }) => {
  const form = useRef<HTMLFormElement>(null);
  const shown = filterNames.map((n) => q.get(n) ?? '').join('\n');
  useEffect(() => {
    const el = form.current;
    if (el === null) return;
    for (const name of filterNames) {
      const field = el.elements.namedItem(name);
      if (field instanceof HTMLInputElement || field instanceof HTMLSelectElement) field.value = q.get(name) ?? '';
    }
  }, [shown]);
  const submit = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    const changes: Record<string, string | null> = {};
    for (const name of filterNames) changes[name] = String(form.get(name) ?? '').trim() || null;
    navigate(hrefWith(q, changes));
  };
  const text = (name: (typeof filterNames)[number], title: string, hint: string) => (
    <div class="field">
      <label for={`filter-${name}`}>{title}</label>
      <input id={`filter-${name}`} name={name} type="text" defaultValue={q.get(name) ?? ''} placeholder={hint} autoComplete="off" />
    </div>
  );
  return (
    <form class="filters" ref={form} onSubmit={submit} aria-label="Filter findings">
      <div class="field">
        <label for="filter-lifecycle">Lifecycle</label>
        <select id="filter-lifecycle" name="lifecycle">
          <option value="">any</option>
          {lifecycles.map((l) => (
            <option key={l} value={l} selected={q.get('lifecycle') === l}>
              {label(l)}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="filter-severity">Severity</label>
        <select id="filter-severity" name="severity">
          <option value="">any</option>
          {severities.map((v) => (
            <option key={v} value={v} selected={q.get('severity') === v}>
              {v === 'unknown' ? 'not stated' : v}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="filter-sla">SLA</label>
        <select id="filter-sla" name="sla">
          <option value="">any</option>
          {slaChoices.map((c) => (
            <option key={c.value} value={c.value} selected={q.get('sla') === c.value}>
              {c.text}
            </option>
          ))}
        </select>
      </div>
      {text('account', 'Account', 'e.g. 111111111111')}
      {text('region', 'Region', 'e.g. us-east-1')}
      {text('rule', 'Rule', 'exact rule id')}
      {text('asset', 'Asset', 'exact asset id')}
      <div class="actions">
        <button type="submit">Apply filters</button>
        <a href="/findings" onClick={(e) => (e.preventDefault(), navigate('/findings'))}>
          Clear
        </a>
      </div>
    </form>
  );
};

const SortHeader = ({ q, sort }: { q: URLSearchParams; sort: Sort }) => {
  const current = sort === '-last_seen' ? 'descending' : sort === 'last_seen' ? 'ascending' : undefined;
  const next: Sort = sort === '-last_seen' ? 'last_seen' : '-last_seen';
  return (
    <th scope="col" aria-sort={current ?? 'none'}>
      <button type="button" class="sort" onClick={() => navigate(hrefWith(q, { sort: next }))}>
        Last seen (UTC) <span aria-hidden="true">{sort === '-last_seen' ? '▼' : sort === 'last_seen' ? '▲' : '↕'}</span>
        <span class="visually-hidden">
          {current === undefined ? ', not sorted; sort newest first' : `, sorted ${current === 'descending' ? 'newest' : 'oldest'} first; sort ${next === '-last_seen' ? 'newest' : 'oldest'} first`}
        </span>
      </button>
    </th>
  );
};

export const FindingsPage = ({ q }: { q: URLSearchParams }) => {
  const sort = sortOf(q);
  const params: Record<string, string | number | null> = { sort, limit: pageSize, cursor: q.get('cursor') };
  for (const name of filterNames) params[name] = q.get(name);
  const path = `/v1/findings${query(params)}`;
  const page = useLoad(() => get<{ findings: Finding[]; next_cursor: string | null }>(path), path);
  const active = filterNames.filter((n) => q.get(n));
  const described = active.length === 0 ? 'all findings' : active.map((n) => describe(n, q.get(n) ?? '')).join(', ');
  return (
    <>
      <h1 tabIndex={-1}>Findings</h1>
      <Filters q={q} />
      <Problem error={page.error} />
      {page.data === null ? (
        page.error === null ? <Loading what="findings" /> : null
      ) : (
        <>
          <p role="status" aria-live="polite" class="muted">
            {count(page.data.findings.length)} shown{page.data.next_cursor === null ? '' : ' (more on the next page)'}: {described}
            {q.get('cursor') === null ? '' : ', after the first page'}.
          </p>
          <Table
            id="findings"
            caption={`Findings: ${described}`}
            captionHidden
            head={<><Th>Finding</Th><Th>Lifecycle</Th><Th>Severity</Th><Th>SLA due (UTC)</Th><Th>Rule</Th><Th>Asset</Th><Th>Account</Th><Th>Region</Th><Th>First seen (UTC)</Th><SortHeader q={q} sort={sort} /><Th>Scans</Th></>}
          >
            {page.data.findings.length === 0 ? <Empty columns={11}>No finding matches.</Empty> : null}
            {page.data.findings.map((f) => (
              <tr key={f.finding_id}>
                <td>
                  <Link href={findingPath(f.finding_id)}>{f.finding_id}</Link>
                </td>
                <td>
                  <Badge value={f.lifecycle} />
                </td>
                <td>
                  <SeverityTag value={f.severity} />
                </td>
                <td>
                  <Due finding={f} short />
                </td>
                <td>{f.rule_id}</td>
                <td class="wrap">{f.asset_id}</td>
                <td>{f.account_id}</td>
                <td>{f.region}</td>
                <td><Time at={f.first_seen} short /></td>
                <td><Time at={f.last_seen} short /></td>
                <td class="num">{count(f.scan_count)}</td>
              </tr>
            ))}
          </Table>
          <nav class="pager" aria-label="Pages of findings">
            {q.get('cursor') === null ? null : <Link href={hrefWith(q, {})}>First page</Link>}
            {page.data.next_cursor === null ? null : <Link href={hrefWith(q, { cursor: page.data.next_cursor })}>Next page</Link>}
          </nav>
        </>
      )}
    </>
  );
};
