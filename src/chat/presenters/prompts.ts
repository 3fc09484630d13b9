// Presenters for task prompts (工作提示): the card a branch chat gets, ad hoc or from a template
// filled in for the branch, and the delivery report. Wording from prompts/replies/prompts.yaml; the
// templates' own text from prompts/tasks/.
import type { Presenters, PresentEnv } from './registry.js';
import type { OutboundBody } from '../types.js';
import { say } from '../wording.js';
import { formatShort } from '../../domain/life/time.js';
import { renderTemplate } from '../../domain/prompts/templates.js';
import { PROMPT_VIEWS, type AdhocPromptData, type DeliveryReport, type PromptVars, type ScheduledPromptData } from '../../services/prompts.js';

const promptCard = (title: string, markdown: string): OutboundBody => ({ kind: 'card', card: { title, tone: 'blue', markdown, footer: say('prompts.footer') } });

/** A template's variables as text. */
function templateVars(v: PromptVars, env: PresentEnv): Record<string, string> {
  const out: Record<string, string> = { branch: v.branch };
  if (v.nextMonth !== undefined) out.nextMonth = v.nextMonth;
  if (v.quarter !== undefined) out.quarter = v.quarter;
  if (v.themeDayPlans) {
    out.themeDayPlans = v.themeDayPlans.length
      ? v.themeDayPlans.map((s) => say('prompts.plan_line', { when: formatShort(s.startsAt, env.timezone), topic: s.topic, place: s.place ?? say('prompts.place_tbd') })).join('\n')
      : say('prompts.no_plans');
  }
  if (v.requirements) {
    out.requirements = v.requirements.length
      ? v.requirements.map((i) => say('prompts.requirement_line', { name: i.group ? `${i.name}（${i.group}）` : i.name, required: i.required, held: i.held })).join('\n')
      : say('prompts.no_requirements');
  }
  return out;
}

/** 工作提示「…」：共 3 个支部群，已送达 …: the first 30 characters of the prompt and its counts. */
export function reportText(text: string, r: DeliveryReport): string {
  return say('prompts.report', { text: [...text].slice(0, 30).join(''), total: r.total, sent: r.sent, failed: r.failed, pending: r.pending });
}

export function registerPromptsPresenters(presenters: Presenters): void {
  presenters
    .view(PROMPT_VIEWS.adhoc, (data) => {
      const d = data as unknown as AdhocPromptData;
      return promptCard(d.title ?? say('prompts.adhoc_title'), d.text);
    })
    .view(PROMPT_VIEWS.scheduled, (data, env) => {
      const d = data as unknown as ScheduledPromptData;
      return promptCard(d.title, renderTemplate(d.body, templateVars(d.vars, env)));
    });
}
