import type { ComponentChildren } from 'preact';
import { useLive } from '../live.js';
import { instant } from '../format.js';
import { Link } from './link.js';
import { Identity } from './signin.js';

const sections = [
  { href: '/', name: 'Overview' },
  { href: '/findings', name: 'Findings' },
  { href: '/scans', name: 'Scans' },
  { href: '/checkpoints', name: 'Checkpoints' },
  { href: '/schedules', name: 'Schedules' },
] as const;

const sectionOf = (path: string): string =>
  path === '/' ? '/' : (sections.find((s) => s.href !== '/' && (path === s.href || path.startsWith(`${s.href}/`)))?.href ?? '');

const LiveState = () => {
  const live = useLive();
  if (live.problem !== null) return <span class="live live-off">Live updates paused: {live.problem}</span>;
  if (live.position === null) return <span class="live">Connecting…</span>;
  return (
    <span class="live live-on" title={`as of ${instant(new Date().toISOString())}`}>
      Live · log position {live.position}
    </span>
  );
};

export const Layout = ({ path, children }: { path: string; children: ComponentChildren }) => {
  const current = sectionOf(path);
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <div class="brand">
          <Link href="/">stance-state</Link>
        </div>
        <nav aria-label="Sections">
          <ul>
            {sections.map((s) => (
              <li key={s.href}>
                <Link href={s.href} current={s.href === current}>
                  {s.name}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <Identity />
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
      <footer class="bottom">
        {/* Not a live region: the position moves with every write, which a screen reader need not hear. */}
        <p>
          <LiveState />
        </p>
      </footer>
    </>
  );
};
