import pg from 'pg';

export interface NotifierOptions {
  readonly connection: pg.ClientConfig;
  readonly channel: string;
  /** Reads the head position (a pooled query): the fallback when notifications stop. */
  readonly head: () => Promise<number>;
  readonly pollMs: number;
}

/**
 * Wakes the subscribers and waiters of one store when the log may have grown: at once for commits in this process,
 * by LISTEN on the schema's channel for commits elsewhere (one NOTIFY per commit, carrying its last position), and
 * by polling the head every `pollMs` so that a lost connection or a missed notification delays a subscriber by at
 * most one poll, never forever. The poll runs only while someone listens; the LISTEN connection opens with the first
 * listener and stays until close (waitFor calls come and go, a connection per call would cost more than it saves).
 * A dropped connection is reopened with backoff, and a reconnect wakes everyone (notifications sent meanwhile are lost).
 */
export class Notifier {
  private readonly listeners = new Set<() => void>();
  private client: pg.Client | null = null;
  private connecting: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private retry: NodeJS.Timeout | null = null;
  private backoffMs = 0;
  private lastHead = -1;
  private polling = false;
  private closed = false;

  constructor(private readonly options: NotifierOptions) {}

  /** Registers a wake-up; returns its removal. The first registration starts listening. */
  on(listener: () => void): () => void {
    this.listeners.add(listener);
    this.start();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stopPolling();
    };
  }

  /** A commit in this process. */
  wake(): void {
    for (const listener of [...this.listeners]) listener();
  }

  private start(): void {
    if (this.closed) return;
    if (this.timer === null && this.listeners.size > 0) this.timer = setInterval(() => void this.poll(), this.options.pollMs);
    if (this.client === null && this.connecting === null && this.retry === null) this.connecting = this.connect();
  }

  private async connect(): Promise<void> {
    const client = new pg.Client(this.options.connection);
    let dead = false;
    const lost = () => {
      if (dead) return;
      dead = true;
      if (this.client === client) this.client = null;
      release(client);
      this.scheduleReconnect();
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', () => this.wake());
    try {
      await client.connect();
      await client.query(`LISTEN ${this.options.channel}`);
    } catch {
      this.connecting = null;
      lost();
      return;
    }
    this.connecting = null;
    if (this.closed) {
      dead = true;
      release(client);
      return;
    }
    this.client = client;
    this.backoffMs = 0;
    // Anything committed while no connection listened was not announced.
    this.wake();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retry !== null) return;
    this.backoffMs = Math.min(5000, Math.max(50, this.backoffMs * 2));
    this.retry = setTimeout(() => {
      this.retry = null;
      this.start();
    }, this.backoffMs);
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const head = await this.options.head();
      if (head !== this.lastHead) {
        this.lastHead = head;
        this.wake();
      }
    } catch {
      // The pool is unreachable too: the next tick tries again.
    } finally {
      this.polling = false;
    }
  }

  private stopPolling(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
    this.stopPolling();
    if (this.retry !== null) clearTimeout(this.retry);
    this.retry = null;
    const pending = this.connecting;
    const client = this.client;
    this.client = null;
    if (client !== null) release(client);
    await pending?.catch(() => undefined);
  }
}

const release = (client: pg.Client): void => {
  client.removeAllListeners();
  client.on('error', () => undefined);
  void client.end().catch(() => undefined);
};
