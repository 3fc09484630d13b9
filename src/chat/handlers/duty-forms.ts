// The record form opened from an obligation's line (issue 14 point 1): the cards that list obligations
// (我还有哪些没完成, 完成情况) get a [记录 B-10] button for each open line the viewer may record; it opens a
// form (privately when clicked in a group; the H5 page where cards hold no form) whose submit calls
// recordDuty, as `记录 B-10 …` typed in chat does. Photos and files still come as `记录 …` with the picture.
import type { Router } from '../router.js';
import type { Context } from '../context.js';
import type { Card } from '../card.js';
import type { TokenClaims } from '../token.js';
import { say } from '../wording.js';
import { fail } from '../../services/kernel.js';
import { DEFAULT_TZ } from '../../domain/life/time.js';
import { recordableLines, recordFormItem } from '../../services/duty-forms.js';
import { dutyRecordTarget, recordDuty } from '../../services/obligations.js';
import { DUTY_FORM_ACTIONS, MAX_RECORD_BUTTONS, parseRecordTarget, recordButtons, recordedCard, recordForm, recordFormCard, type RecordTarget } from '../presenters/duty-forms.js';
import { recordedText } from '../presenters/obligations.js';

/**
 * `card` with a [记录 …] button for each of `codes` (the card's lines, in order) that the viewer may record
 * now; `subjectId`: the node the card is about (its own duties), absent for the viewer's own list.
 */
export async function withRecordButtons(ctx: Context, card: Card, codes: string[], timezone: string, subjectId?: string): Promise<Card> {
  const room = MAX_RECORD_BUTTONS - (card.buttons?.length ?? 0);
  if (!codes.length || room <= 0) return card;
  const lines = await recordableLines(ctx.unit, { codes, subjectId, timezone, max: room });
  if (!lines.length) return card;
  return { ...card, buttons: [...(card.buttons ?? []), ...recordButtons(ctx.presenters.env(ctx.now), lines, ctx.me.id, subjectId)] };
}

function targetOf(claims: TokenClaims): RecordTarget {
  const t = parseRecordTarget(claims.target);
  if (!t) fail('duty_form.bad_target');
  return t;
}

/** [记录 B-10]: the form, after the same checks as the record itself. */
async function open(ctx: Context, claims: TokenClaims, timezone: string): Promise<void> {
  const target = targetOf(claims);
  const t = await dutyRecordTarget(ctx.unit, { item: target.i, subjectId: target.s, timezone });
  const card = recordFormCard(ctx.presenters.env(ctx.now), t, target, ctx.me.id);
  if (ctx.inbound.chat.kind === 'GROUP' && (await ctx.dm(ctx.me.id, { kind: 'card', card }, `dutyform:${target.i}:${ctx.me.id}:${ctx.inbound.eventId}`))) ctx.toast('info', say('duty_form.sent_privately'));
  else ctx.reply({ kind: 'card', card });
}

async function submit(ctx: Context, claims: TokenClaims, timezone: string): Promise<void> {
  const target = targetOf(claims);
  const v = ctx.readForm(recordForm('', false));
  const r = await recordDuty(ctx.unit, { item: target.i, text: v.text ?? '', subjectId: target.s, timezone });
  const card = recordedCard(r);
  ctx.showCard(card);
  ctx.toast('success', card.title);
}

export function registerDutyForms(router: Router, deps: { timezone?: string } = {}): void {
  const timezone = deps.timezone ?? DEFAULT_TZ;
  router.pages.register(DUTY_FORM_ACTIONS.submit, {
    spec: async (tx, claims, now) => {
      const target = parseRecordTarget(claims.target);
      const item = target && claims.member ? await recordFormItem(tx, { memberId: claims.member, code: target.i, now, timezone }) : null;
      if (!item) return null;
      const form = recordForm('', item.pair);
      return { title: say('duty_form.title', { code: item.code }), intro: `${say('duty_form.item', { code: item.code, content: item.content })}\n${say('duty_form.photos', { code: item.code })}`, fields: form.fields, submitLabel: form.submitLabel };
    },
    submit: async (unit, claims, values) => {
      const target = parseRecordTarget(claims.target);
      if (!target) fail('duty_form.bad_target');
      return recordedText(await recordDuty(unit, { item: target.i, text: values.text ?? '', subjectId: target.s, timezone }));
    },
  });
  router.action(DUTY_FORM_ACTIONS.open, (ctx, c) => open(ctx, c, timezone)).action(DUTY_FORM_ACTIONS.submit, (ctx, c) => submit(ctx, c, timezone));
}
