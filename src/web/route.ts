import { useEffect, useState } from 'preact/hooks';

/** Where the page is: its path and query, which hold everything a view shows (a URL can be shared). */
export interface Place {
  readonly path: string;
  readonly query: URLSearchParams;
}

const here = (): Place => ({ path: location.pathname, query: new URLSearchParams(location.search) });
const listeners = new Set<() => void>();

/** Moves to another view without reloading the page (the back button still works). */
export const navigate = (href: string, options: { replace?: boolean } = {}): void => {
  if (options.replace === true) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  for (const l of listeners) l();
};

export const usePlace = (): Place => {
  const [place, setPlace] = useState(here);
  useEffect(() => {
    const update = () => setPlace(here());
    listeners.add(update);
    addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      removeEventListener('popstate', update);
    };
  }, []);
  return place;
};

/** A same-origin link click that the page handles itself (a modified or middle click opens a tab as usual). */
export const followLink = (event: MouseEvent, href: string): void => {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(href);
};
