import type { ApiError } from '../api.js';

/** A refusal or failure, in the server's own words. */
export const Problem = ({ error, context }: { error: ApiError | null; context?: string }) =>
  error === null ? null : (
    <p class="problem" role="alert">
      {context === undefined ? '' : `${context}: `}
      {error.message}
      {error.status > 0 ? <span class="muted"> (HTTP {error.status})</span> : null}
    </p>
  );

export const Loading = ({ what }: { what: string }) => (
  <p class="muted" role="status">
    Loading {what}…
  </p>
);
