import type { Refusal, StateEngine } from '../engine/index.js';
import type { Logger } from './log.js';

/** At most this many refusals are recorded per minute; a flood of bad requests must not fill the disk. */
const perMinute = 120;

/**
 * Keeps refused writes in the access audit. Bounded: past the budget, refusals are counted and the count is
 * logged once the minute is over, so an attacker hammering with wrong tokens costs a log line, not a row each.
 */
export class RefusalAudit {
  private windowStart = 0;
  private used = 0;
  private dropped = 0;

  constructor(
    private readonly engine: StateEngine,
    private readonly log: Logger,
    private readonly clock: () => number,
  ) {}

  /** Resolves once the refusal is stored (or dropped, or its write failed and was logged); never rejects. */
  async record(refusal: Refusal): Promise<void> {
    const now = this.clock();
    if (now - this.windowStart >= 60_000) {
      if (this.dropped > 0) this.log('warn', 'audit dropped refusals', { count: this.dropped, per_minute: perMinute });
      this.windowStart = now;
      this.used = 0;
      this.dropped = 0;
    }
    if (this.used >= perMinute) {
      this.dropped += 1;
      return;
    }
    this.used += 1;
    try {
      await this.engine.access.recordRefusal(refusal);
    } catch (error) {
      // The refusal stands whatever happens here; a busy database loses an audit row, said so in the log.
      this.log('warn', 'audit write failed', { error: error instanceof Error ? error.message : String(error) });
    }
  }
}
