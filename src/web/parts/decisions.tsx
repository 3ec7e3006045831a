import { useRef, useState } from 'preact/hooks';
import { ApiError, post } from '../api.js';
import { useAuth } from '../auth.js';
import { label } from '../format.js';
import type { Finding } from '../types.js';

type Verb = 'resolve' | 'suppress' | 'unsuppress' | 'false-positive' | 'notes';

const verbs: readonly { verb: Verb; name: string; offered: (f: Finding) => boolean }[] = [
  { verb: 'suppress', name: 'Suppress (accept the risk)', offered: () => true },
  { verb: 'resolve', name: 'Resolve', offered: (f) => f.lifecycle !== 'resolved' },
  { verb: 'unsuppress', name: 'Lift the suppression', offered: (f) => f.lifecycle === 'suppressed' },
  { verb: 'false-positive', name: 'Mark false positive', offered: (f) => f.lifecycle !== 'false_positive' },
  { verb: 'notes', name: 'Add a note', offered: () => true },
];

const bodyOf = (verb: Verb, form: FormData): Record<string, string> => {
  const value = (name: string) => String(form.get(name) ?? '').trim();
  const reason = value('reason');
  switch (verb) {
    case 'suppress':
      return { ...(reason ? { reason } : {}), ...(value('until') ? { until: value('until') } : {}) };
    case 'resolve':
    case 'false-positive':
      return reason ? { reason } : {};
    case 'unsuppress':
      return {};
    case 'notes':
      return { text: value('text') };
  }
};

/**
 * The decisions the signed-in identity may make on this finding, sent as that identity (the server records it as the
 * actor). Only what its role allows is offered; what the server refuses is shown in its own words.
 */
export const Decisions = ({ finding, onDone }: { finding: Finding; onDone: () => void }) => {
  const auth = useAuth();
  const offered = verbs.filter((v) => v.offered(finding));
  const [verb, setVerb] = useState<Verb>('suppress');
  const [problem, setProblem] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const alert = useRef<HTMLParagraphElement>(null);
  const chosen: Verb = offered.some((v) => v.verb === verb) ? verb : (offered[0]?.verb ?? 'notes');

  if (!auth.may('decide')) {
    const who = auth.me === null ? 'not signed in' : auth.me.name === null ? 'an anonymous viewer' : `${auth.me.name} (${auth.me.role})`;
    return (
      <p class="muted">
        Decisions on findings need the analyst or admin role; this page acts as {who}. Sign in with a personal token to
        make them.
      </p>
    );
  }

  const submit = async (e: Event) => {
    e.preventDefault();
    const formEl = e.target as HTMLFormElement;
    setBusy(true);
    setProblem(null);
    setDone(null);
    try {
      const after = await post<Finding>(`/v1/findings/${encodeURIComponent(finding.finding_id)}/${chosen}`, bodyOf(chosen, new FormData(formEl)));
      formEl.reset();
      setDone(chosen === 'notes' ? 'Note added.' : `Recorded: the finding is now ${label(after.lifecycle)}.`);
      onDone();
    } catch (error) {
      setProblem(error instanceof ApiError ? error.message : String(error));
      // The refusal is announced (role=alert) and gets the focus, so the keyboard is where the reading is.
      setTimeout(() => alert.current?.focus(), 0);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="decide" onSubmit={submit} aria-labelledby="decide-title">
      <div class="field">
        <label for="decision">Decision</label>
        <select id="decision" value={chosen} onChange={(e) => setVerb((e.target as HTMLSelectElement).value as Verb)}>
          {offered.map((v) => (
            <option key={v.verb} value={v.verb}>
              {v.name}
            </option>
          ))}
        </select>
      </div>
      {chosen === 'suppress' || chosen === 'resolve' || chosen === 'false-positive' ? (
        <div class="field grow">
          <label for="reason">Reason{chosen === 'suppress' ? ' (required)' : ''}</label>
          <input id="reason" name="reason" type="text" autoComplete="off" required={chosen === 'suppress'} />
        </div>
      ) : null}
      {chosen === 'suppress' ? (
        <div class="field">
          <label for="until">Until (00:00 UTC that day)</label>
          <input id="until" name="until" type="date" aria-describedby="until-help" />
          <p id="until-help" class="hint">
            Leave empty for no end, if the suppression policy allows it.
          </p>
        </div>
      ) : null}
      {chosen === 'notes' ? (
        <div class="field grow">
          <label for="note">Note</label>
          <input id="note" name="text" type="text" autoComplete="off" required />
        </div>
      ) : null}
      <div class="actions">
        <button type="submit" disabled={busy}>
          Record as {auth.me?.name ?? 'me'}
        </button>
      </div>
      {problem === null ? null : (
        <p class="problem" role="alert" tabIndex={-1} ref={alert}>
          Refused: {problem}
        </p>
      )}
      {done === null ? null : (
        <p class="done" role="status">
          {done}
        </p>
      )}
    </form>
  );
};
