import type { ExpectedRevision } from '../events/index.js';

/** The stream was not where the writer expected it: nothing was written; re-read and decide again. */
export class WrongExpectedRevision extends Error {
  override readonly name = 'WrongExpectedRevision';
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    readonly actual: number | 'no_stream',
  ) {
    super(`stream ${stream}: expected revision ${expected}, actual ${actual}`);
  }
}

/** An event id already in the log with other content or at another place: nothing was written. */
export class DuplicateEventId extends Error {
  override readonly name = 'DuplicateEventId';
  constructor(
    readonly id: string,
    readonly stream: string,
    reason: string,
  ) {
    super(`event ${id} (stream ${stream}): ${reason}`);
  }
}
