/** Upper bounds of the latency histogram, in seconds (Prometheus' defaults, plus a 1 ms bucket for cached reads). */
const buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Histogram {
  readonly counts: number[];
  sum: number;
  count: number;
}

export interface LogGauges {
  readonly head: number;
  readonly projections: readonly { readonly name: string; readonly position: number }[];
  readonly appended: ReadonlyMap<string, number>;
  readonly waiting: number;
}

// Exposition format: a label value escapes backslash, double quote and newline.
const label = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const labels = (pairs: Readonly<Record<string, string>>) =>
  `{${Object.entries(pairs)
    .map(([k, v]) => `${k}="${label(v)}"`)
    .join(',')}}`;

/**
 * Prometheus text exposition (version 0.0.4). Routes are labelled by their pattern (`/v1/findings/{id}`), never the
 * raw path, so a scan of random URLs cannot grow the series without bound: unmatched paths share one label.
 */
export class Metrics {
  private readonly requests = new Map<string, number>();
  private readonly latency = new Map<string, Histogram>();
  private readonly waits = { reached: 0, timeout: 0 };

  observe(method: string, route: string, status: number, seconds: number): void {
    const key = JSON.stringify([method, route, String(status)]);
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    const hkey = JSON.stringify([method, route]);
    let h = this.latency.get(hkey);
    if (h === undefined) this.latency.set(hkey, (h = { counts: buckets.map(() => 0), sum: 0, count: 0 }));
    buckets.forEach((le, i) => {
      if (seconds <= le) h.counts[i] = (h.counts[i] ?? 0) + 1;
    });
    h.sum += seconds;
    h.count += 1;
  }

  countWait(reached: boolean): void {
    if (reached) this.waits.reached += 1;
    else this.waits.timeout += 1;
  }

  render(log: LogGauges): string {
    const out: string[] = [];
    const family = (name: string, type: string, help: string) =>
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    const sample = (name: string, pairs: Readonly<Record<string, string>>, value: number) =>
      out.push(`${name}${Object.keys(pairs).length === 0 ? '' : labels(pairs)} ${value}`);

    family('stance_state_events_appended_total', 'counter', 'Events appended since this server started.');
    for (const [type, n] of [...log.appended].sort()) sample('stance_state_events_appended_total', { type }, n);

    family('stance_state_head_position', 'gauge', 'Global position of the newest event in the log.');
    sample('stance_state_head_position', {}, log.head);

    family('stance_state_projection_position', 'gauge', 'Log position each projection reflects.');
    for (const p of log.projections) sample('stance_state_projection_position', { projection: p.name }, p.position);

    family('stance_state_projection_lag_events', 'gauge', 'Events in the log a projection has not applied yet.');
    for (const p of log.projections)
      sample('stance_state_projection_lag_events', { projection: p.name }, Math.max(0, log.head - p.position));

    family('stance_state_min_position_waiting', 'gauge', 'Requests waiting for ?min_position now.');
    sample('stance_state_min_position_waiting', {}, log.waiting);

    family('stance_state_min_position_waits_total', 'counter', 'Requests that waited for ?min_position, by outcome.');
    sample('stance_state_min_position_waits_total', { outcome: 'reached' }, this.waits.reached);
    sample('stance_state_min_position_waits_total', { outcome: 'timeout' }, this.waits.timeout);

    family('stance_state_http_requests_total', 'counter', 'HTTP requests answered, by method, route and status.');
    for (const [key, n] of [...this.requests].sort()) {
      const [method = '', route = '', status = ''] = JSON.parse(key) as string[];
      sample('stance_state_http_requests_total', { method, route, status }, n);
    }

    const seconds = 'stance_state_http_request_duration_seconds';
    family(seconds, 'histogram', 'Time to answer, by method and route.');
    for (const [key, h] of [...this.latency].sort()) {
      const [method = '', route = ''] = JSON.parse(key) as string[];
      buckets.forEach((le, i) => sample(`${seconds}_bucket`, { method, route, le: String(le) }, h.counts[i] ?? 0));
      sample(`${seconds}_bucket`, { method, route, le: '+Inf' }, h.count);
      sample(`${seconds}_sum`, { method, route }, h.sum);
      sample(`${seconds}_count`, { method, route }, h.count);
    }
    return `${out.join('\n')}\n`;
  }
}
