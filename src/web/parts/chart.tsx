import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { DailyPoint } from '../types.js';

const colors = { open: '#1d3b53', new: '#b54708', resolved: '#067647' };

/** UTC days on the axis, whatever the browser's zone: one day means the same day for everyone. */
const utc = (ts: number) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC');

/**
 * Open findings (a line, right axis) and findings new and resolved (bars, left axis) per day, drawn by uPlot on a
 * canvas. The canvas says nothing to a screen reader: it is an image with a summary, and the same figures are in the
 * table beside it.
 */
export const DailyChart = ({ days, summary }: { days: readonly DailyPoint[]; summary: string }) => {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    const barsAt = (align: -1 | 1) => {
      const paths = uPlot.paths.bars?.({ size: [0.35, 24], align });
      return paths === undefined ? { points: { show: false } } : { paths, points: { show: false } };
    };
    const size = () => ({ width: Math.max(260, el.clientWidth), height: el.clientWidth < 500 ? 220 : 280 });
    const plot = new uPlot(
      {
        ...size(),
        tzDate: utc,
        cursor: { drag: { x: false, y: false } },
        // Half a day either side, so the first and last days' bars are whole.
        scales: { x: { time: true, range: (_u, min, max) => [min - 43_200, max + 43_200] }, open: { auto: true }, count: { auto: true } },
        axes: [
          {},
          { scale: 'count', label: 'new · resolved', size: 50 },
          { scale: 'open', side: 1, label: 'open', grid: { show: false }, size: 50 },
        ],
        series: [
          { label: 'Day', value: '{YYYY}-{MM}-{DD}' },
          { label: 'Open', scale: 'open', stroke: colors.open, width: 2 },
          // New and resolved side by side in each day's slot.
          { label: 'New', scale: 'count', stroke: colors.new, fill: `${colors.new}99`, ...barsAt(-1) },
          { label: 'Resolved', scale: 'count', stroke: colors.resolved, fill: `${colors.resolved}99`, ...barsAt(1) },
        ],
      },
      [days.map((d) => Date.parse(`${d.day}T00:00:00Z`) / 1000), days.map((d) => d.open), days.map((d) => d.new), days.map((d) => d.resolved)],
      el,
    );
    const resize = new ResizeObserver(() => plot.setSize(size()));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [days]);
  return <div ref={box} class="chart" role="img" aria-label={summary} />;
};
