import { useEffect, useRef, useState } from 'preact/hooks';
import { get, query } from '../api.js';
import { count, instant, label } from '../format.js';
import { useLoad } from '../load.js';
import { navigate } from '../route.js';
import type { Finding, HistoryEntry } from '../types.js';
import { Badge } from '../parts/badge.js';
import { Decisions } from '../parts/decisions.js';
import { Link } from '../parts/link.js';
import { Loading, Problem } from '../parts/notice.js';
import { Due, SeverityTag } from '../parts/severity.js';
import { Table, Th } from '../parts/table.js';
import { Time } from '../parts/time.js';

const State = ({ f, id }: { f: Finding; id: string }) => (
  <dl class="facts" id={id}>
    <dt>Lifecycle</dt>
    <dd data-field="lifecycle">
      <Badge value={f.lifecycle} />
    </dd>
    <dt>Severity</dt>
    <dd data-field="severity">
      <SeverityTag value={f.severity} />
    </dd>
    <dt>SLA due</dt>
    <dd data-field="sla_due_at">
      <Due finding={f} />
    </dd>
    <dt>SLA breached</dt>
    <dd data-field="sla_breached">{f.sla_due_at === null ? <span class="muted">no deadline</span> : f.sla_breached ? 'yes' : 'not yet'}</dd>
    <dt>Rule</dt>
    <dd>{f.rule_id}</dd>
    <dt>Asset</dt>
    <dd class="wrap">{f.asset_id}</dd>
    <dt>Account and region</dt>
    <dd>
      {f.account_id || 'none'} · {f.region || 'none'}
      {f.collector === null ? '' : ` · collector ${f.collector}`}
    </dd>
    <dt>First seen</dt>
    <dd><Time at={f.first_seen} /></dd>
    <dt>Last seen</dt>
    <dd>
      <Time at={f.last_seen} /> ({count(f.scan_count)} sightings{f.last_scan_id === null ? '' : `, last in scan ${f.last_scan_id}`})
    </dd>
    {f.lifecycle === 'suppressed' ? (
      <>
        <dt>Suppressed</dt>
        <dd>
          by {f.suppressed_by || 'unknown'} at <Time at={f.suppressed_at} />, {f.suppressed_until === null ? 'with no end' : <>until <Time at={f.suppressed_until} /></>}: {f.suppression_reason}
        </dd>
      </>
    ) : null}
    {f.lifecycle === 'resolved' ? (
      <>
        <dt>Resolved</dt>
        <dd>
          by {f.resolved_by || 'unknown'} at <Time at={f.resolved_at} />{f.resolution_reason ? `: ${f.resolution_reason}` : ''}
        </dd>
      </>
    ) : null}
    {f.lifecycle === 'false_positive' ? (
      <>
        <dt>False positive</dt>
        <dd>
          by {f.false_positive_by || 'unknown'}{f.false_positive_reason ? `: ${f.false_positive_reason}` : ''}
        </dd>
      </>
    ) : null}
    <dt>Notes</dt>
    <dd>
      {f.notes.length === 0 ? (
        <span class="muted">none</span>
      ) : (
        <ul class="notes">
          {f.notes.map((n, i) => (
            <li key={i}>{n}</li>
          ))}
        </ul>
      )}
    </dd>
  </dl>
);

const what = (e: HistoryEntry): string => {
  if (e.type === 'FindingSuppressed') {
    const until = e.data.until;
    return `${label(e.type)} ${typeof until === 'string' ? `until ${instant(until)}` : 'with no end'}`;
  }
  return label(e.type);
};

const why = (e: HistoryEntry): string => (e.type === 'FindingNoteAdded' && typeof e.data.text === 'string' ? e.data.text : e.reason);

const Who = ({ e }: { e: HistoryEntry }) => (
  <>
    {e.actor || <span class="muted">unknown</span>}
    {e.actor_role === null ? null : <span class="muted"> ({e.actor_role}{e.actor_via === null ? '' : `, ${e.actor_via}`})</span>}
    {e.on_behalf_of === null ? null : <> for <strong>{e.on_behalf_of}</strong></>}
  </>
);

const Timeline = ({ id, history, asOf }: { id: string; history: readonly HistoryEntry[]; asOf: string | null }) => (
  <Table
    id="timeline"
    caption={`Audit timeline of ${id}: every event, oldest first`}
    captionHidden
    head={<><Th>When (UTC)</Th><Th>What</Th><Th>Who</Th><Th>Why</Th><Th>Scan</Th><Th>Lifecycle after</Th><Th>Severity after</Th><Th>Origin</Th><Th>State then</Th></>}
  >
    {history.map((e) => (
      <tr key={e.position} class={asOf === e.recorded_at ? 'selected' : undefined} data-position={e.position}>
        <td><Time at={e.recorded_at} short /></td>
        <td class="wrap">{what(e)}</td>
        <td><Who e={e} /></td>
        <td class="wrap">{why(e)}</td>
        <td class="wrap">{e.scan_id ?? ''}</td>
        <td>{e.lifecycle === null ? '' : <Badge value={e.lifecycle} />}</td>
        <td>{e.severity === null ? '' : <SeverityTag value={e.severity} />}</td>
        <td>{e.origin}</td>
        <td>
          <button
            type="button"
            class="link-button"
            aria-pressed={asOf === e.recorded_at}
            onClick={() => navigate(`${location.pathname}${query({ as_of: e.recorded_at })}`)}
          >
            Show state<span class="visually-hidden"> as of {instant(e.recorded_at)}</span>
          </button>
        </td>
      </tr>
    ))}
  </Table>
);

const AsOf = ({ id, at }: { id: string; at: string }) => {
  const path = `/v1/findings/${encodeURIComponent(id)}${query({ as_of: at })}`;
  const past = useLoad(() => get<Finding>(path), path);
  const heading = useRef<HTMLHeadingElement>(null);
  // Chosen on the timeline: the reading continues here.
  useEffect(() => heading.current?.focus(), []);
  return (
    <section aria-labelledby="asof-title" class="asof">
      <h2 id="asof-title" tabIndex={-1} ref={heading}>
        State as of {instant(at)}
      </h2>
      <p>
        Replayed from the events recorded up to that instant.{' '}
        <Link href={location.pathname}>Back to the current state</Link>
      </p>
      <Problem error={past.error} />
      {past.data === null ? null : <State f={past.data} id="asof-state" />}
    </section>
  );
};

export const FindingPage = ({ id, q }: { id: string; q: URLSearchParams }) => {
  const [reload, setReload] = useState(0);
  const base = `/v1/findings/${encodeURIComponent(id)}`;
  // After a decision here, both load again at once (the live update would follow a moment later).
  const finding = useLoad(() => get<Finding>(base), base, reload);
  const history = useLoad(() => get<{ history: HistoryEntry[] }>(`${base}/history`), `${base}/history`, reload);
  const asOf = q.get('as_of');
  return (
    <>
      <p class="crumbs">
        <Link href="/findings">Findings</Link> ›
      </p>
      <h1 tabIndex={-1} class="wrap">
        Finding {id}
      </h1>
      <Problem error={finding.error} />
      {finding.data === null ? (
        finding.error === null ? <Loading what="the finding" /> : null
      ) : (
        <div class="finding-top">
          <section aria-labelledby="state-title">
            <h2 id="state-title">Current state</h2>
            <State f={finding.data} id="current-state" />
          </section>
          <section aria-labelledby="decide-title">
            <h2 id="decide-title">Decide</h2>
            <Decisions finding={finding.data} onDone={() => setReload((n) => n + 1)} />
          </section>
        </div>
      )}
      {asOf === null ? null : <AsOf id={id} at={asOf} key={asOf} />}
      <section aria-labelledby="timeline-title">
        <h2 id="timeline-title">Audit timeline</h2>
        <Problem error={history.error} />
        {history.data === null ? null : <Timeline id={id} history={history.data.history} asOf={asOf} />}
      </section>
    </>
  );
};
