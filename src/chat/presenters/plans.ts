// Presenters for the 工委's plan lists: the card each 机关党委 and branch chat gets, with [已收到] [已安排],
// and the report of who has answered. Wording from prompts/replies/plans.yaml.
import type { Presenters, PresentEnv } from './registry.js';
import type { OutboundBody } from '../types.js';
import { say } from '../wording.js';
import { PLAN_VIEWS, type AckState, type PlanCardData, type PlanReport } from '../../services/plans.js';

export const PLAN_ACK_ACTION = 'plan.ack';
/** The buttons work for the plan's period and a little after. */
const ACK_TTL_SECONDS = 120 * 86_400;

export function planCard(d: PlanCardData, env: PresentEnv): OutboundBody {
  const button = (state: AckState, label: string) => ({ actionId: PLAN_ACK_ACTION, label, token: env.tokens.sign({ action: PLAN_ACK_ACTION, target: `${d.broadcastId}\n${d.nodeId}\n${state}` }, ACK_TTL_SECONDS, env.now) });
  return {
    kind: 'card',
    card: {
      title: say(d.kind === 'theme_day' ? 'plans.title_theme_day' : 'plans.title_quarter', { period: d.period }),
      tone: 'blue',
      markdown: d.text,
      buttons: [button('RECEIVED', say('plans.button_received')), button('ARRANGED', say('plans.button_arranged'))],
      footer: say('plans.footer', { from: d.from }),
    },
  };
}

/** Who has answered: counts, then the organisations that have not yet, then those that have. */
export function planReportText(r: PlanReport): string {
  const names = (state: AckState | null) => r.nodes.filter((n) => n.state === state).map((n) => n.name).join('、') || say('plans.report_nobody');
  return [
    say('plans.report_head', { period: r.period, kind: say(r.kind === 'theme_day' ? 'plans.kind_theme_day' : 'plans.kind_quarter'), ...r.counts }),
    say('plans.report_arranged', { names: names('ARRANGED') }),
    say('plans.report_received', { names: names('RECEIVED') }),
    say('plans.report_none', { names: names(null) }),
  ].join('\n');
}

export function registerPlansPresenters(presenters: Presenters): void {
  presenters.view(PLAN_VIEWS.card, (data, env) => planCard(data as unknown as PlanCardData, env));
}
