// Neutral Card → Lark/Feishu card JSON 2.0 (shared card: update_multi, so a patch shows to all).
// Buttons and the form's submit carry only the signed token in their callback value.
import type { Card, FormField } from '../../chat/card.js';

type Json = Record<string, unknown>;

/** Card JSON 2.0 input component: max_length 1–1,000 (docs/platforms/lark.md). */
export const LARK_INPUT_MAX_LENGTH = 1000;
/**
 * Card message request body limit, 30 KB (send/patch docs); kept below it for the request's other
 * fields and the JSON escaping of `content`.
 */
export const LARK_CARD_MAX_BYTES = 30 * 1024;
const CARD_BUDGET_BYTES = LARK_CARD_MAX_BYTES - 1024;

/** Whether a card's send request stays within Lark's size limit (content is JSON in a JSON string). */
export const larkCardFits = (card: Card) => Buffer.byteLength(JSON.stringify(JSON.stringify(renderLarkCard(card)))) <= CARD_BUDGET_BYTES;

const text = (content: string): Json => ({ tag: 'plain_text', content });

const TEMPLATE: Record<NonNullable<Card['tone']>, string> = { blue: 'blue', green: 'green', orange: 'orange', red: 'red', grey: 'grey' };

/** Lark markdown treats these as markup; user text is shown inert. */
export function escapeLarkMarkdown(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function field(f: FormField): Json {
  const common = { name: f.name, required: !!f.required, label: text(f.label), label_position: 'top' };
  switch (f.type) {
    case 'select':
      return {
        tag: 'select_static',
        ...common,
        placeholder: text(f.placeholder ?? '请选择'),
        options: (f.options ?? []).map((o) => ({ text: text(o.label), value: o.value })),
        ...(f.value ? { initial_option: f.value } : {}),
      };
    case 'date':
      return { tag: 'date_picker', ...common, placeholder: text(f.placeholder ?? '请选择日期'), ...(f.value ? { initial_date: f.value } : {}) };
    default:
      return {
        tag: 'input',
        ...common,
        ...(f.type === 'textarea' ? { input_type: 'multiline_text', rows: 4, auto_resize: true } : {}),
        placeholder: text(f.placeholder ?? ''),
        // The input component takes max_length 1–1,000 (card JSON 2.0 input); longer fields go to the H5 page (render.ts).
        ...(f.maxLength ? { max_length: Math.min(Math.max(1, f.maxLength), LARK_INPUT_MAX_LENGTH) } : {}),
        ...(f.value ? { default_value: f.value } : {}),
      };
  }
}

export function renderLarkCard(card: Card): Json {
  const elements: Json[] = [];
  if (card.fields?.length) {
    elements.push({ tag: 'markdown', content: card.fields.map((f) => `**${escapeLarkMarkdown(f.label)}**：${escapeLarkMarkdown(f.value)}`).join('\n') });
  }
  if (card.markdown) elements.push({ tag: 'markdown', content: card.markdown });
  if (card.buttons?.length) {
    elements.push({
      tag: 'column_set',
      flex_mode: 'flow',
      horizontal_spacing: '8px',
      columns: card.buttons.map((b) => ({
        tag: 'column',
        width: 'auto',
        elements: [{
          tag: 'button',
          text: text(b.label),
          type: b.style === 'primary' ? 'primary_filled' : b.style === 'danger' ? 'danger' : 'default',
          behaviors: [{ type: 'callback', value: { t: b.token } }],
        }],
      })),
    });
  }
  if (card.form?.url) {
    // The form is on the H5 page (a field longer than the card's input takes): a button opens it.
    elements.push({ tag: 'button', text: text(card.form.submitLabel || '填写'), type: 'primary_filled', behaviors: [{ type: 'open_url', default_url: card.form.url }] });
  } else if (card.form) {
    elements.push({
      tag: 'form',
      name: 'form',
      elements: [
        ...card.form.fields.map(field),
        {
          tag: 'button',
          name: 'submit',
          text: text(card.form.submitLabel),
          type: 'primary_filled',
          form_action_type: 'submit',
          behaviors: [{ type: 'callback', value: { t: card.form.token } }],
        },
      ],
    });
  }
  if (card.footer) elements.push({ tag: 'markdown', content: `<font color='grey'>${escapeLarkMarkdown(card.footer)}</font>`, text_size: 'notation' });
  return {
    schema: '2.0',
    config: { update_multi: true },
    header: { title: text(card.title), template: TEMPLATE[card.tone ?? 'blue'] },
    body: { elements },
  };
}

/** Form values from a Lark form submit, as strings (date pickers give "2026-12-05 +0800"). */
export function larkFormValues(formValue: unknown): Record<string, string> | undefined {
  if (!formValue || typeof formValue !== 'object') return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(formValue as Record<string, unknown>)) {
    if (v === null || v === undefined) continue;
    let s = typeof v === 'string' ? v : Array.isArray(v) ? v.join(',') : String(v);
    const date = /^(\d{4}-\d{2}-\d{2}) [+-]\d{4}$/.exec(s);
    if (date) s = date[1]!;
    out[k] = s;
  }
  return out;
}
