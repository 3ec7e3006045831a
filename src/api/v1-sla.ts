import { slaPolicyRecord } from '../engine/index.js';
import { given, NoQuery, SlaPolicyBody } from './inputs.js';
import { decodeBody } from './query.js';
import { actorOf, defineRoute, json, type Route } from './route.js';

/**
 * The SLA policy: read by whoever reads the stats it shapes; changed only by an admin, as every policy and type
 * definition is. A change is an event and applies to every finding's deadline at once: nothing is rebuilt.
 */
export const v1SlaRoutes: readonly Route[] = [
  defineRoute({
    method: 'GET',
    path: '/v1/sla/policy',
    access: 'read',
    reads: true,
    etag: true,
    exact: true,
    query: NoQuery,
    doc: { summary: 'Days to remediate per severity (informational: none) and whether a reopened finding restarts its clock', returns: 'SlaPolicy' },
    handle: async ({ engine }) => json(slaPolicyRecord(await engine.sla.policy())),
  }),
  defineRoute({
    method: 'PUT',
    path: '/v1/sla/policy',
    access: 'admin',
    exact: true,
    query: NoQuery,
    doc: {
      summary: 'Change the SLA policy (an event, with who set it); a field absent or null keeps its value; deadlines follow at once',
      body: 'SetSlaPolicy',
      returns: 'SlaPolicy',
    },
    handle: async (ctx) => {
      const b = decodeBody(SlaPolicyBody, await ctx.body());
      const policy = await ctx.engine.sla.setPolicy(
        {
          critical: given(b.critical_days),
          high: given(b.high_days),
          medium: given(b.medium_days),
          low: given(b.low_days),
          restartOnReopen: given(b.restart_on_reopen),
        },
        actorOf(ctx),
      );
      return json(slaPolicyRecord(policy));
    },
  }),
];
