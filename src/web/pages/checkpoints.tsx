import { get } from '../api.js';
import { useLoad } from '../load.js';
import type { Checkpoint } from '../types.js';
import { Loading, Problem } from '../parts/notice.js';
import { Empty, Table, Th } from '../parts/table.js';
import { Time } from '../parts/time.js';

export const CheckpointsPage = () => {
  const list = useLoad(() => get<{ checkpoints: Checkpoint[] }>('/v1/checkpoints'), 'checkpoints');
  return (
    <>
      <h1 tabIndex={-1}>Checkpoints</h1>
      <p>Where each collector stands per account and region: the next scan continues from here.</p>
      <Problem error={list.error} />
      {list.data === null ? (
        list.error === null ? <Loading what="checkpoints" /> : null
      ) : (
        <Table
          id="checkpoints"
          caption="Checkpoints by collector, account and region"
          captionHidden
          head={<><Th>Collector</Th><Th>Account</Th><Th>Region</Th><Th>Last scan</Th><Th>Scan time (UTC)</Th><Th>Cursor</Th></>}
        >
          {list.data.checkpoints.length === 0 ? <Empty columns={6}>No checkpoints yet.</Empty> : null}
          {list.data.checkpoints.map((c) => (
            <tr key={c.checkpoint_id}>
              <td>{c.collector_name}</td>
              <td>{c.account_id}</td>
              <td>{c.region}</td>
              <td>{c.last_scan_id}</td>
              <td><Time at={c.last_scan_time} short /></td>
              <td class="wrap"><code>{c.cursor}</code></td>
            </tr>
          ))}
        </Table>
      )}
    </>
  );
};
