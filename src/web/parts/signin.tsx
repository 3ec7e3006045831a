import { useEffect, useRef, useState } from 'preact/hooks';
import { useAuth } from '../auth.js';

/** Who the page acts as, and the form that takes a personal token (kept for this tab only). */
export const Identity = () => {
  const auth = useAuth();
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const field = useRef<HTMLInputElement>(null);
  const toggle = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (open) field.current?.focus();
  }, [open]);

  const submit = async (e: Event) => {
    e.preventDefault();
    const token = field.current?.value.trim() ?? '';
    if (token === '') {
      setError('Paste the token that stance-state token create printed.');
      return;
    }
    setBusy(true);
    const refused = await auth.signIn(token);
    setBusy(false);
    setError(refused);
    if (refused === null) {
      setOpen(false);
      toggle.current?.focus();
    }
  };

  const me = auth.me;
  const who =
    me === null ? (
      <span class="muted">not signed in</span>
    ) : me.name === null ? (
      <span>anonymous viewer (this machine)</span>
    ) : (
      <span>
        <strong>{me.name}</strong> <span class="muted">({me.role}{me.via === 'proxy' ? ', company login' : ''})</span>
      </span>
    );
  const viaToken = auth.hasToken && me !== null && me.via !== 'proxy';
  return (
    <div class="identity">
      <p class="who" aria-live="polite">
        Signed in as {who}
      </p>
      {viaToken ? (
        <button type="button" class="link-button" onClick={() => auth.signOut()}>
          Sign out
        </button>
      ) : me?.via === 'proxy' ? null : (
        <button type="button" ref={toggle} class="link-button" aria-expanded={open} aria-controls="signin" onClick={() => setOpen(!open)}>
          Sign in with a token
        </button>
      )}
      {open ? (
        <form
          id="signin"
          class="signin"
          onSubmit={submit}
          aria-label="Sign in with a personal token"
          onKeyDown={(e) => {
            // Escape closes the panel and gives the focus back to the button that opened it.
            if (e.key !== 'Escape') return;
            setOpen(false);
            toggle.current?.focus();
          }}
        >
          <label for="token">Personal token</label>
          <input id="token" ref={field} type="password" autoComplete="off" spellcheck={false} aria-describedby="token-help" />
          <p id="token-help" class="hint">
            Made by <code>stance-state token create &lt;name&gt;</code>. Kept in this tab only, sent as a Bearer header.
          </p>
          {error === null ? null : (
            <p class="problem" role="alert">
              {error}
            </p>
          )}
          <button type="submit" disabled={busy}>
            Sign in
          </button>
        </form>
      ) : null}
    </div>
  );
};
