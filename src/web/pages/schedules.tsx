import { get } from '../api.js';
import { count, label } from '../format.js';
import { useLoad } from '../load.js';
import type { Schedule } from '../types.js';
import { Badge } from '../parts/badge.js';
import { Loading, Problem } from '../parts/notice.js';
import { Empty, Table, Th } from '../parts/table.js';
import { Time } from '../parts/time.js';

export const SchedulesPage = () => {
  const list = useLoad(() => get<{ schedules: Schedule[] }>('/v1/schedules?runs=3'), 'schedules');
  return (
    <>
      <h1 tabIndex={-1}>Schedules</h1>
      <p>Scan jobs the scheduler fires, with their next three fire times (UTC).</p>
      <Problem error={list.error} />
      {list.data === null ? (
        list.error === null ? <Loading what="schedules" /> : null
      ) : (
        <Table
          id="schedules"
          caption="Scheduled scan jobs"
          captionHidden
          head={<><Th>Job</Th><Th>Schedule</Th><Th>Scope</Th><Th>Enabled</Th><Th>Next runs</Th><Th>Last run</Th><Th>Runs</Th></>}
        >
          {list.data.schedules.length === 0 ? <Empty columns={7}>No scheduled jobs. Add one with stance-state schedule add.</Empty> : null}
          {list.data.schedules.map((j) => (
            <tr key={j.id}>
              <td>
                {j.name}
                <div class="muted small">{j.id}</div>
              </td>
              <td>
                <code>{j.schedule_expression}</code>
                <div class="muted small">{j.timezone}</div>
              </td>
              <td>{[j.account_id, j.region].filter(Boolean).join(' · ') || <span class="muted">any</span>}</td>
              <td>{j.enabled ? 'yes' : 'no'}</td>
              <td>
                {j.next_runs.length === 0 ? (
                  <span class="muted">none</span>
                ) : (
                  <ol class="runs">
                    {j.next_runs.map((r) => (
                      <li key={r}>
                        <Time at={r} />
                      </li>
                    ))}
                  </ol>
                )}
              </td>
              <td>
                {j.running.length > 0 ? <Badge value="running" /> : j.last_result === null ? <span class="muted">never</span> : <Badge value={j.last_result.result ?? 'running'} />}
                {j.last_run === null ? null : <div class="small"><Time at={j.last_run} /></div>}
                {j.last_result?.error ? <div class="detail small">{label(j.last_result.error)}</div> : null}
              </td>
              <td class="num">{count(j.run_count)}</td>
            </tr>
          ))}
        </Table>
      )}
    </>
  );
};
