// Presenters for the basics area (help, binding): text helpers shared by the chat's replies. The help card
// itself is generated from the declared commands in src/chat/help.ts.
import type { Presenters } from './registry.js';

export function registerBasicsPresenters(presenters: Presenters): void {
  void presenters; // binding and help answer in replies; no notifications to render
}

/** `text` cut to `max` characters with an ellipsis, for quoting what someone wrote. */
export function shorten(text: string, max = 20): string {
  const chars = [...text];
  return chars.length > max ? `${chars.slice(0, max).join('')}…` : text;
}
