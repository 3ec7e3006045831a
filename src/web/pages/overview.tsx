import { get, query } from '../api.js';
import { count, duration, windowOfDays } from '../format.js';
import { useLoad } from '../load.js';
import { navigate } from '../route.js';
import { severities, type DailySeries, type Scan, type Stats, type SyncOverview } from '../types.js';
import { Badge } from '../parts/badge.js';
import { DailyChart } from '../parts/chart.js';
import { Link } from '../parts/link.js';
import { Loading, Problem } from '../parts/notice.js';
import { SeverityTag } from '../parts/severity.js';
import { Empty, Table, Th } from '../parts/table.js';
import { Time } from '../parts/time.js';

const windows = [7, 30, 90, 365] as const;
const windowOf = (q: URLSearchParams): number => {
  const n = Number(q.get('days'));
  return (windows as readonly number[]).includes(n) ? n : 30;
};

const figures: readonly { key: keyof Stats; name: string; href: string }[] = [
  { key: 'open', name: 'Open', href: '/findings' },
  { key: 'new', name: 'New', href: '/findings?lifecycle=new' },
  { key: 'recurring', name: 'Recurring', href: '/findings?lifecycle=recurring' },
  { key: 'reopened', name: 'Reopened', href: '/findings?lifecycle=reopened' },
  { key: 'resolved', name: 'Resolved', href: '/findings?lifecycle=resolved' },
  { key: 'suppressed', name: 'Suppressed', href: '/findings?lifecycle=suppressed' },
  { key: 'false_positive', name: 'False positive', href: '/findings?lifecycle=false_positive' },
  { key: 'total', name: 'All findings', href: '/findings' },
  { key: 'breached', name: 'SLA breached', href: '/findings?sla=breached' },
];

const Figures = ({ stats }: { stats: Stats }) => (
  <dl class="figures">
    {figures.map((f) => (
      <div class={`figure figure-${f.key}`} key={f.key} data-figure={f.key}>
        <dt>{f.name}</dt>
        <dd>
          <Link href={f.href}>{count(stats[f.key] as number)}</Link>
        </dd>
      </div>
    ))}
    <div class="figure" data-figure="mean_time_to_resolve_seconds">
      <dt>Mean time to resolve</dt>
      <dd>{duration(stats.mean_time_to_resolve_seconds)}</dd>
    </div>
  </dl>
);

/** Per severity: every finding, the open ones, and the open ones past their SLA deadline; each count links to its list. */
const BySeverity = ({ stats }: { stats: Stats }) => (
  <Table
    id="by-severity"
    caption={`Findings per severity: ${count(stats.breached)} open past their SLA deadline`}
    head={<><Th>Severity</Th><Th>All</Th><Th>Open</Th><Th>SLA breached</Th></>}
  >
    {severities.map((s) => {
      const row = stats.by_severity[s];
      return (
        <tr key={s} data-severity={s}>
          <th scope="row">
            <SeverityTag value={s} />
          </th>
          <td class="num" data-count="total">{count(row.total)}</td>
          <td class="num" data-count="open">{count(row.open)}</td>
          <td class="num" data-count="breached">
            {row.breached === 0 ? count(0) : <Link href={`/findings${query({ severity: s, sla: 'breached' })}`}>{count(row.breached)}</Link>}
          </td>
        </tr>
      );
    })}
  </Table>
);

const Trend = ({ series, days }: { series: DailySeries; days: number }) => {
  const last = series.days.at(-1);
  const added = series.days.reduce((n, d) => n + d.new, 0);
  const resolved = series.days.reduce((n, d) => n + d.resolved, 0);
  const summary = `Over the ${days} days from ${series.from} to ${series.to}: ${count(added)} new, ${count(resolved)} resolved, ${count(last?.open ?? 0)} open at the end.`;
  return (
    <>
      <p>{summary}</p>
      <DailyChart days={series.days} summary={`Chart: ${summary}`} />
      <details>
        <summary>The same figures as a table</summary>
        <Table id="daily" caption={`Findings per day, ${series.from} to ${series.to} (UTC)`} head={<><Th>Day</Th><Th>New</Th><Th>Resolved</Th><Th>Open at end of day</Th></>}>
          {series.days.map((d) => (
            <tr key={d.day}>
              <td>{d.day}</td>
              <td class="num">{count(d.new)}</td>
              <td class="num">{count(d.resolved)}</td>
              <td class="num">{count(d.open)}</td>
            </tr>
          ))}
        </Table>
      </details>
    </>
  );
};

const LatestScans = ({ scans }: { scans: readonly Scan[] }) => (
  <Table
    id="latest-scans"
    caption="Latest scan per account and region"
    captionHidden
    head={<><Th>Account</Th><Th>Region</Th><Th>Status</Th><Th>Scan</Th><Th>Started (UTC)</Th><Th>Finished (UTC)</Th><Th>Findings</Th></>}
  >
    {scans.length === 0 ? <Empty columns={7}>No scans recorded yet.</Empty> : null}
    {scans.map((s) => (
      <tr key={s.scan_id}>
        <td>{s.account_id || <span class="muted">none</span>}</td>
        <td>{s.region || <span class="muted">none</span>}</td>
        <td class="wrap">
          <Badge value={s.status} />
          {s.error_message ? <div class="detail small">{s.error_message}</div> : null}
        </td>
        <td>
          <Link href={`/scans${query({ account: s.account_id, region: s.region })}`}>{s.scan_id}</Link>
        </td>
        <td><Time at={s.started_at} short /></td>
        <td><Time at={s.completed_at} short /></td>
        <td class="num">{count(s.finding_count)}</td>
      </tr>
    ))}
  </Table>
);

const Sync = ({ sync }: { sync: SyncOverview }) => (
  <section aria-labelledby="sync-title">
    <h2 id="sync-title">Sync</h2>
    <p>
      This data dir is origin <strong>{sync.origin}</strong>; its log is at position {sync.head_position}.
    </p>
    <Table id="sync" caption="Sync per hub and origin" captionHidden head={<><Th>Hub</Th><Th>Origin</Th><Th>Direction</Th><Th>Position</Th><Th>Lag</Th><Th>Last sync (UTC)</Th><Th>State</Th></>}>
      {sync.origins.map((o) => (
        <tr key={`${o.hub} ${o.origin} ${o.direction}`}>
          <td class="wrap">{o.hub}</td>
          <td>{o.origin}</td>
          <td>{o.direction === 'push' ? 'pushed (own events)' : 'pulled'}</td>
          <td class="num">{o.position}</td>
          <td>{o.direction === 'push' ? `${Math.max(0, sync.head_position - o.position)} positions not pushed` : o.lag_seconds === null ? 'unknown' : `newest event ${duration(o.lag_seconds)} old`}</td>
          <td><Time at={o.last_sync_at} short /></td>
          <td>{o.blocked === null ? 'ok' : <span class="problem-text">blocked: {o.blocked.reason}</span>}</td>
        </tr>
      ))}
    </Table>
  </section>
);

export const OverviewPage = ({ q }: { q: URLSearchParams }) => {
  const days = windowOf(q);
  const range = windowOfDays(days);
  const stats = useLoad(() => get<Stats>('/v1/stats'), 'stats');
  const series = useLoad(() => get<DailySeries>(`/v1/stats/daily${query(range)}`), `daily ${range.from} ${range.to}`);
  const latest = useLoad(() => get<{ scans: Scan[] }>('/v1/scans/latest'), 'latest');
  const sync = useLoad(() => get<SyncOverview>('/v1/sync'), 'sync');
  return (
    <>
      <h1 tabIndex={-1}>Overview</h1>
      <section aria-labelledby="figures-title">
        <h2 id="figures-title">Findings by lifecycle</h2>
        <Problem error={stats.error} />
        {stats.data === null ? stats.error === null ? <Loading what="the figures" /> : null : <Figures stats={stats.data} />}
      </section>
      <section aria-labelledby="severity-title">
        <h2 id="severity-title">Findings by severity and SLA</h2>
        {stats.data === null ? null : <BySeverity stats={stats.data} />}
      </section>
      <section aria-labelledby="trend-title">
        <div class="section-head">
          <h2 id="trend-title">Open, new and resolved per day</h2>
          <label class="inline">
            Window{' '}
            <select value={String(days)} onChange={(e) => navigate(`/${query({ days: (e.target as HTMLSelectElement).value })}`, { replace: true })}>
              {windows.map((w) => (
                <option key={w} value={String(w)}>
                  last {w} days
                </option>
              ))}
            </select>
          </label>
        </div>
        <Problem error={series.error} />
        {series.data === null ? series.error === null ? <Loading what="the daily series" /> : null : <Trend series={series.data} days={days} />}
      </section>
      <section aria-labelledby="scans-title">
        <h2 id="scans-title">Latest scan per account and region</h2>
        <Problem error={latest.error} />
        {latest.data === null ? null : <LatestScans scans={latest.data.scans} />}
      </section>
      {sync.data !== null && sync.data.origins.length > 0 ? <Sync sync={sync.data} /> : null}
    </>
  );
};
