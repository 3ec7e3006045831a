import { useEffect, useRef } from 'preact/hooks';
import { AuthContext, useIdentity } from './auth.js';
import { LiveContext, useFollow } from './live.js';
import { usePlace } from './route.js';
import { Layout } from './parts/layout.js';
import { Problem } from './parts/notice.js';
import { CheckpointsPage } from './pages/checkpoints.js';
import { FindingPage } from './pages/finding.js';
import { FindingsPage } from './pages/findings.js';
import { OverviewPage } from './pages/overview.js';
import { SchedulesPage } from './pages/schedules.js';
import { ScansPage } from './pages/scans.js';

const pageOf = (path: string, q: URLSearchParams) => {
  if (path === '/') return { title: 'Overview', view: <OverviewPage q={q} /> };
  if (path === '/findings') return { title: 'Findings', view: <FindingsPage q={q} /> };
  if (path.startsWith('/findings/')) {
    let id = path.slice('/findings/'.length);
    try {
      id = decodeURIComponent(id);
    } catch {
      // Shown as typed: the API answers that no such finding exists.
    }
    return { title: `Finding ${id}`, view: <FindingPage id={id} q={q} key={id} /> };
  }
  if (path === '/scans') return { title: 'Scans', view: <ScansPage q={q} /> };
  if (path === '/checkpoints') return { title: 'Checkpoints', view: <CheckpointsPage /> };
  if (path === '/schedules') return { title: 'Schedules', view: <SchedulesPage /> };
  return { title: 'Not found', view: <h1 tabIndex={-1}>No page at {path}</h1> };
};

export const App = () => {
  const place = usePlace();
  const auth = useIdentity();
  const live = useFollow(`${auth.me?.name ?? ''} ${auth.hasToken}`);
  const page = pageOf(place.path, place.query);
  const firstPath = useRef<string | null>(null);

  useEffect(() => {
    document.title = `${page.title} · stance-state`;
  }, [page.title]);
  // After moving to another page, the focus goes to its heading (a screen reader reads where it landed).
  useEffect(() => {
    if (firstPath.current === null) firstPath.current = place.path;
    else document.querySelector<HTMLElement>('main h1')?.focus();
  }, [place.path]);

  const refused = auth.me === null && auth.refusal !== null;
  return (
    <AuthContext.Provider value={auth}>
      <LiveContext.Provider value={live}>
        <Layout path={place.path}>
          {refused ? <Problem error={auth.refusal} context="The server does not let this page read" /> : null}
          {refused && (auth.refusal?.status === 401 || auth.refusal?.status === 403) ? (
            <p>Sign in with a personal token (above) to read.</p>
          ) : null}
          {page.view}
        </Layout>
      </LiveContext.Provider>
    </AuthContext.Provider>
  );
};
