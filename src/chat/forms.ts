// Form pages: the card forms a member can also open as a plain web page (long minutes, platforms
// whose cards hold no form). An area declares, for the action id its card form submits to, what the
// page shows and what a submit does: read the values, call the same service as the card action.
// src/web/h5.ts serves the pages; it calls `submit` directly, in a transaction of its own, as the
// member the signed link was made for.
import type { Tx } from '../db/client.js';
import type { Unit } from '../services/kernel.js';
import type { FormField } from './card.js';
import type { TokenClaims } from './token.js';

export interface FormPageSpec {
  title: string;
  intro?: string;
  fields: FormField[];
  submitLabel: string;
}

export interface FormPage {
  /** What the page shows for the token's claims; null when its target is gone. */
  spec(tx: Tx, claims: TokenClaims, now: Date): Promise<FormPageSpec | null>;
  /**
   * Check the values and run the service as `unit` (the member the link was made for). Returns the
   * confirmation the page shows; a DomainError shows the form again with its message.
   */
  submit(unit: Unit, claims: TokenClaims, values: Record<string, string>): Promise<string>;
}

export class FormPages {
  private readonly pages = new Map<string, FormPage>();

  register(actionId: string, page: FormPage): void {
    if (this.pages.has(actionId)) throw new Error(`form page ${actionId} registered twice`);
    this.pages.set(actionId, page);
  }

  get(actionId: string): FormPage | undefined {
    return this.pages.get(actionId);
  }
}

/** The link to put on a card (CardForm.url) or in a message; the token is signed for the form's action and bound to a member. */
export function formLink(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/$/, '')}/h5/form?t=${encodeURIComponent(token)}`;
}
