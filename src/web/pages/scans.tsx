import { get, query } from '../api.js';
import { count, duration, label } from '../format.js';
import { useLoad } from '../load.js';
import { navigate } from '../route.js';
import { scanStatuses, type Scan } from '../types.js';
import { Badge } from '../parts/badge.js';
import { Link } from '../parts/link.js';
import { Loading, Problem } from '../parts/notice.js';
import { Empty, Table, Th } from '../parts/table.js';
import { Time } from '../parts/time.js';

const pageSize = 50;

export const ScansPage = ({ q }: { q: URLSearchParams }) => {
  const status = q.get('status');
  const account = q.get('account');
  const region = q.get('region');
  const path = `/v1/scans${query({ status, account, region, limit: pageSize, cursor: q.get('cursor') })}`;
  const page = useLoad(() => get<{ scans: Scan[]; next_cursor: string | null }>(path), path);
  const first = `/scans${query({ status, account, region })}`;
  return (
    <>
      <h1 tabIndex={-1}>Scans</h1>
      <form class="filters" aria-label="Filter scans" onSubmit={(e) => e.preventDefault()}>
        <div class="field">
          <label for="scan-status">Status</label>
          <select id="scan-status" value={status ?? ''} onChange={(e) => navigate(`/scans${query({ status: (e.target as HTMLSelectElement).value, account, region })}`)}>
            <option value="">any</option>
            {scanStatuses.map((s) => (
              <option key={s} value={s}>
                {label(s)}
              </option>
            ))}
          </select>
        </div>
        {account === null && region === null ? null : (
          <p class="muted">
            Account {account ?? 'any'}, region {region ?? 'any'}. <Link href={`/scans${query({ status })}`}>Every account and region</Link>
          </p>
        )}
      </form>
      <Problem error={page.error} />
      {page.data === null ? (
        page.error === null ? <Loading what="scans" /> : null
      ) : (
        <>
          <Table
            id="scans"
            caption="Scans, newest first"
            captionHidden
            head={<><Th>Scan</Th><Th>Status</Th><Th>Account</Th><Th>Region</Th><Th>Collectors</Th><Th>Started (UTC)</Th><Th>Took</Th><Th>Assets</Th><Th>Findings</Th></>}
          >
            {page.data.scans.length === 0 ? <Empty columns={9}>No scan matches.</Empty> : null}
            {page.data.scans.map((s) => (
              <tr key={s.scan_id}>
                <td>{s.scan_id}</td>
                <td class="wrap">
                  <Badge value={s.status} />
                  {s.error_message ? <div class="detail small">{s.error_message}</div> : null}
                </td>
                <td>{s.account_id}</td>
                <td>{s.region}</td>
                <td>{s.collectors.join(', ')}{s.full_scope ? ' (full scope)' : ''}</td>
                <td><Time at={s.started_at} short /></td>
                <td>{s.completed_at === null ? <span class="muted">running</span> : duration(s.duration_seconds)}</td>
                <td class="num">{count(s.asset_count)}</td>
                <td class="num">{count(s.finding_count)}</td>
              </tr>
            ))}
          </Table>
          <nav class="pager" aria-label="Pages of scans">
            {q.get('cursor') === null ? null : <Link href={first}>First page</Link>}
            {page.data.next_cursor === null ? null : (
              <Link href={`/scans${query({ status, account, region, cursor: page.data.next_cursor })}`}>Next page</Link>
            )}
          </nav>
        </>
      )}
    </>
  );
};
