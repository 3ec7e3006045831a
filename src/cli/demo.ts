import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { InvalidInput } from '../errors.js';
import { ensureDirectory, logPathOf, out, printJson, type CliContext } from './context.js';
import { describeBad } from './log.js';
import { historyTable } from './finding.js';
import { table } from './format.js';
import { startProgress } from './progress.js';
import { statsText } from './stats.js';
import { runDemoWorkload, demoStoryFinding } from './demo-workload.js';

/** The main job: 30 days of daily scans over 3 accounts x 2 regions, then what the engine knows about them. */
export const registerDemo = (demo: Command, ctx: CliContext): void => {
  demo
    .option('--days <n>', 'days to simulate', '30')
    .action(async (o: { days: string }, cmd: Command) => {
      const days = Number(o.days);
      if (!/^\d+$/.test(o.days) || days < 1 || days > 365) throw new InvalidInput('days', o.days, 'a number of days (1-365)');
      const json = ctx.json(cmd);
      const explicit = ctx.globals(cmd).data;
      const dir = explicit === undefined ? mkdtempSync(join(tmpdir(), 'stance-state-demo-')) : ctx.dataDir(cmd);
      ensureDirectory('--data', dir);
      if (readdirSync(dir).length > 0) throw new InvalidInput('data', dir, 'an empty data directory for the demo');
      // The demo's clock starts `days` days ago and moves with the simulation, so --as-of and history read true.
      let now = Date.now() - days * 86_400_000;
      const clock = () => now;
      const { openEngine } = await import('../open.js');
      const engine = await openEngine({ store: `sqlite:${logPathOf(dir)}`, clock, durability: 'normal', origin: 'demo' });
      const started = Date.now();
      const progress = startProgress('demo', days, !json);
      try {
        await runDemoWorkload(engine, days, (ms) => (now = ms), (day) => progress.update(day));
      } finally {
        progress.stop();
      }
      const seconds = (Date.now() - started) / 1000;
      const scans = await engine.listScans({ limit: 10_000 });
      const scopes = new Map<string, typeof scans>();
      for (const s of scans) scopes.set(`${s.account_id}/${s.region}`, [...(scopes.get(`${s.account_id}/${s.region}`) ?? []), s]);
      const summary = [...scopes].map(([scope, list]) => {
        const last = list.find((s) => s.status === 'completed');
        const [account, region] = scope.split('/');
        return {
          account_id: account ?? '',
          region: region ?? '',
          scans: list.length,
          completed: list.filter((s) => s.status === 'completed').length,
          failed: list.filter((s) => s.status === 'failed').length,
          last_scan_id: last?.scan_id ?? null,
          last_finding_count: last?.finding_count ?? 0,
          last_asset_count: last?.asset_count ?? 0,
        };
      });
      const stats = await engine.getFindingStats();
      const history = await engine.getFindingHistory(demoStoryFinding);
      const verify = await engine.backend.log.verify();
      const log = await engine.backend.log.stats();
      if (json) printJson({ data_dir: dir, days, seconds, events: log.events, scans: summary, stats, story_finding: demoStoryFinding, history, verify });
      else {
        out(`simulated ${days} days: ${log.events} events in ${seconds.toFixed(1)} s, data in ${dir}\n`);
        out('Scans by account and region');
        out(
          table(
            ['ACCOUNT', 'REGION', 'SCANS', 'COMPLETED', 'FAILED', 'LAST COMPLETED SCAN', 'FINDINGS', 'ASSETS'],
            summary.map((s) => [s.account_id, s.region, s.scans, s.completed, s.failed, s.last_scan_id, s.last_finding_count, s.last_asset_count]),
          ),
        );
        out('\nFinding stats');
        out(statsText(stats));
        out(`\nAudit history of ${demoStoryFinding}`);
        out(historyTable(history));
        out(
          `\nlog verify: ${verify.ok ? `sound, ${verify.events} events in ${verify.streams} streams` : `UNSOUND: ${verify.firstBad ? describeBad(verify.firstBad) : verify.problems.join('; ')}`}`,
        );
        out(`\nexplore: npx stance-state --data ${dir} finding list --lifecycle reopened --limit 5`);
      }
      if (!verify.ok) ctx.exitCode = 1;
      await engine.close();
    });
};
