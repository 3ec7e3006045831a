import type { Finding, Severity } from '../types.js';
import { Time } from './time.js';

/** A severity as a word (colour only repeats it); `unknown` reads as what it means: no sighting stated one. */
export const SeverityTag = ({ value }: { value: Severity }) => (
  <span class={`severity severity-${value}`}>{value === 'unknown' ? 'not stated' : value}</span>
);

/** When an open finding is due under the SLA policy, and, in words, whether that has passed. */
export const Due = ({ finding, short }: { finding: Pick<Finding, 'sla_due_at' | 'sla_breached'>; short?: boolean }) =>
  finding.sla_due_at === null ? (
    <span class="muted">no deadline</span>
  ) : (
    <span class={finding.sla_breached ? 'due due-breached' : 'due'} data-breached={finding.sla_breached ? 'true' : 'false'}>
      <Time at={finding.sla_due_at} short={short === true} />
      {finding.sla_breached ? <strong class="breached"> breached</strong> : null}
    </span>
  );
