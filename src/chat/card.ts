// The neutral card every platform can render, with graceful degradation: title, fields, markdown,
// buttons with stable action ids, an optional form, footer. Buttons and forms carry signed tokens.
import { say } from './wording.js';

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

/** Check submitted form values against the form's rules; returns the problem in the user's words, or null. */
export function validateForm(form: CardForm, values: Record<string, string>): string | null {
  for (const f of form.fields) {
    const v = (values[f.name] ?? '').trim();
    const label = f.label;
    if (f.required && !v) return say('form.required', { label });
    if (f.maxLength && [...v].length > f.maxLength) return say('form.too_long', { label, max: f.maxLength, length: [...v].length });
    if (v && f.type === 'select' && f.options && !f.options.some((o) => o.value === v)) return say('form.bad_option', { label });
    if (v && f.type === 'date' && !/^\d{4}-\d{2}-\d{2}$/.test(v)) return say('form.bad_date', { label });
  }
  return null;
}
