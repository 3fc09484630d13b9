// The neutral card every platform can render, with graceful degradation: title, fields, markdown,
// buttons with stable action ids, an optional form, footer. Buttons and forms carry signed tokens.

export type CardTone = 'blue' | 'green' | 'orange' | 'red' | 'grey';

export interface CardButton {
  /** Stable action id, e.g. meeting.checkin. Also inside the token, which is what counts. */
  actionId: string;
  label: string;
  style?: 'primary' | 'danger' | 'default';
  token: string;
}

export type FormFieldType = 'text' | 'textarea' | 'select' | 'date';

export interface FormField {
  name: string;
  label: string;
  type: FormFieldType;
  required?: boolean;
  maxLength?: number;
  placeholder?: string;
  options?: Array<{ value: string; label: string }>;
  value?: string;
}

export interface CardForm {
  actionId: string;
  token: string;
  submitLabel: string;
  fields: FormField[];
  /** Signed H5 link with the same form, for platforms whose cards cannot hold it. */
  url?: string;
}

export interface Card {
  title: string;
  tone?: CardTone;
  fields?: Array<{ label: string; value: string }>;
  markdown?: string;
  buttons?: CardButton[];
  form?: CardForm;
  footer?: string;
}

/** Plain-text rendering, for text-only platforms and logs of what was sent (no tokens). */
export function cardToText(card: Card, numbered = false): string {
  const lines = [`【${card.title}】`];
  for (const f of card.fields ?? []) lines.push(`${f.label}：${f.value}`);
  if (card.markdown) lines.push(card.markdown);
  if (numbered) card.buttons?.forEach((b, i) => lines.push(`回复 ${i + 1} ${b.label}`));
  if (card.footer) lines.push(card.footer);
  return lines.join('\n');
}

/** Check submitted form values against the form's rules; returns a Chinese message or null. */
export function validateForm(form: CardForm, values: Record<string, string>): string | null {
  for (const f of form.fields) {
    const v = (values[f.name] ?? '').trim();
    if (f.required && !v) return `请填写「${f.label}」`;
    if (f.maxLength && [...v].length > f.maxLength) return `「${f.label}」最多 ${f.maxLength} 个字，当前 ${[...v].length} 个字`;
    if (v && f.type === 'select' && f.options && !f.options.some((o) => o.value === v)) return `「${f.label}」的选项无效`;
    if (v && f.type === 'date' && !/^\d{4}-\d{2}-\d{2}$/.test(v)) return `「${f.label}」的日期格式应为 2026-12-05`;
  }
  return null;
}
