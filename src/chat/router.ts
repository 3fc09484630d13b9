// Routes an inbound event to a handler: text commands by pattern (plain Chinese phrasing),
// card actions by the stable action id inside their signed token. Bolt-style registration.
import type { TokenClaims } from './token.js';
import type { Context } from './context.js';

export type CommandHandler = (ctx: Context, match: RegExpMatchArray) => Promise<void>;
export type ActionHandler = (ctx: Context, claims: TokenClaims) => Promise<void>;

export interface RouteOptions {
  /** Runs for users who have not bound a member identity yet (e.g. 绑定). */
  allowUnbound?: boolean;
}

interface CommandRoute {
  pattern: RegExp;
  handler: CommandHandler;
  opts: RouteOptions;
}

export class Router {
  private readonly commands: CommandRoute[] = [];
  private readonly actions = new Map<string, { handler: ActionHandler; opts: RouteOptions }>();
  private fallbackHandler: CommandHandler | undefined;

  /** Patterns are tried in registration order against the trimmed text. */
  command(pattern: RegExp, handler: CommandHandler, opts: RouteOptions = {}): this {
    this.commands.push({ pattern, handler, opts });
    return this;
  }

  action(actionId: string, handler: ActionHandler, opts: RouteOptions = {}): this {
    if (this.actions.has(actionId)) throw new Error(`action ${actionId} registered twice`);
    this.actions.set(actionId, { handler, opts });
    return this;
  }

  /** Text that matches no command (questions, unknown commands). */
  fallback(handler: CommandHandler): this {
    this.fallbackHandler = handler;
    return this;
  }

  matchCommand(text: string): { handler: CommandHandler; match: RegExpMatchArray; opts: RouteOptions } | undefined {
    for (const route of this.commands) {
      const match = text.match(route.pattern);
      if (match) return { handler: route.handler, match, opts: route.opts };
    }
    if (this.fallbackHandler) return { handler: this.fallbackHandler, match: [text] as unknown as RegExpMatchArray, opts: {} };
    return undefined;
  }

  matchAction(actionId: string): { handler: ActionHandler; opts: RouteOptions } | undefined {
    return this.actions.get(actionId);
  }

  actionIds(): string[] {
    return [...this.actions.keys()];
  }
}
