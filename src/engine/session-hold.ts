import type { JsonRecord } from '../events/index.js';
import type { StateEngine } from './engine.js';
import type { SessionRecord } from './session-records.js';

/**
 * A hold on a session: every write carries its fencing number, and the lease is renewed in the background (every
 * third of it) until released. Once another process recovered or claimed the session, its writes are refused and
 * `lost` says so.
 */
export class SessionHold {
  private timer: NodeJS.Timeout | null = null;
  private lostError: Error | null = null;

  constructor(
    private readonly engine: StateEngine,
    readonly sessionId: string,
    readonly fence: number,
    private readonly leaseMs: number,
  ) {
    this.timer = setInterval(() => {
      void this.engine.sessions.renew(this.sessionId, this.fence, { leaseMs: this.leaseMs }).catch((error: Error) => {
        this.lostError = error;
        this.stopRenewing();
      });
    }, Math.max(10, Math.floor(leaseMs / 3)));
    this.timer.unref();
  }

  /** Why the hold ended (another holder, a recovery), or null while it holds. */
  get lost(): Error | null {
    return this.lostError;
  }

  private stopRenewing(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  save(document: JsonRecord): Promise<SessionRecord> {
    return this.engine.sessions.save(this.sessionId, document, { fence: this.fence });
  }

  checkpoint(document: JsonRecord, branch?: string) {
    return this.engine.sessions.createCheckpoint(this.sessionId, document, { fence: this.fence, branch });
  }

  /** Pause: saves `document` (if given), checkpoints, and ends the hold. */
  async pause(document?: JsonRecord): Promise<SessionRecord> {
    this.stopRenewing();
    return this.engine.sessions.pause(this.sessionId, { fence: this.fence, ...(document === undefined ? {} : { document }) });
  }

  async release(): Promise<void> {
    this.stopRenewing();
    await this.engine.sessions.release(this.sessionId, this.fence);
  }
}
