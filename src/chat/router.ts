// Routes an inbound event to a handler. Text commands are declared: keywords, what may follow them,
// who may run them, whether they change anything, and where help lists them; help is generated from
// the declarations (src/chat/help.ts) and a test fails when one command's phrasing reaches another.
// Card actions route by the stable action id inside their signed token.
import type { Ability } from '../access/index.js';
import type { TokenClaims } from './token.js';
import type { Context } from './context.js';
import type { Presenters } from './presenters/registry.js';
import { FormPages } from './forms.js';

export type CommandHandler = (ctx: Context, match: RegExpMatchArray) => Promise<void>;
export type ActionHandler = (ctx: Context, claims: TokenClaims) => Promise<void>;
/** One click of a card action, validated: its context and its token's claims. */
export interface Click {
  ctx: Context;
  claims: TokenClaims;
}
/**
 * Handles the clicks of one action that arrived together, in one go (its service takes them at
 * once); a lone click comes as a list of one. Returns, per click in order, nothing when it was
 * handled, or the error it failed with, which must have changed nothing.
 */
export type BatchActionHandler = (clicks: Click[]) => Promise<Array<Error | void>>;
/** An action's route: a handler per click, or one for the clicks of a batch together. */
export type ActionRoute = { handler: ActionHandler; batch?: undefined; opts: ActionOptions } | { handler?: undefined; batch: BatchActionHandler; opts: ActionOptions };
/** Runs after a text message's command (or fallback), in the same transaction; `command` is the route's name. */
export type MessageHook = (ctx: Context, command: string) => Promise<void>;
export type JoinHook = (ctx: Context) => Promise<void>;

/** `anyone`: also for users who have not bound a member identity (帮助, 绑定); else an ability over the chat's subject (src/access). */
export type Guard = 'anyone' | Ability;

/** Who help lists a command for: every member, those who manage a branch, 机关党委 posts. */
export type Audience = 'member' | 'manager' | 'organ';

export interface CommandSpec {
  /** Stable name; its help wording is `commands.<name>.summary` and `.example` in prompts/. */
  name: string;
  /** What the text starts with; several spellings allowed. */
  keywords?: string[];
  /**
   * What may follow a keyword, matched against the rest of the text after an optional space or
   * colon; the handler gets this match. Default: nothing may follow.
   */
  args?: RegExp;
  /**
   * What may follow a keyword with no space or colon between them (通知主题党日…, 工作提示请各支部…); default:
   * `args`. Narrower where chatter starts with the keyword (通知收到了, 工作提示收到).
   */
  attached?: RegExp;
  /** Whole-text forms that are not keyword + argument (e.g. 本季度三会一课完成情况); the handler gets the match. */
  patterns?: RegExp[];
  /** Checked by the core before the handler; default `member`. */
  guard?: Guard;
  /**
   * Changes state (a check-in, a notice): a question about the command never runs it. A question is asked
   * right after the keyword (签到了吗, 请假要找谁批？) or is the whole of a pattern form; a question inside a
   * free-text argument set off from the keyword (工作提示 … 大家学习了吗？) is part of what is sent.
   * A command that changes nothing takes no question after its keyword (导出台账怎么弄, 签到情况 怎么看？; a
   * bare trailing ？ aside): its arguments name a period or a meeting, so a question there is about the command.
   */
  changes?: boolean;
  /** Listed in help for this audience; absent: not listed. */
  help?: Audience;
  /** Texts it must take; the shadowing test checks each reaches this command and no other. */
  examples?: string[];
}

export interface CommandRoute extends CommandSpec {
  handler: CommandHandler;
}

export interface ActionOptions {
  /** Default `member`: the core refuses unbound users. Target-specific rules are the service's. */
  guard?: 'anyone' | 'member';
}

export interface CommandMatch {
  route: CommandRoute;
  /** The args match (keyword forms) or the pattern match. */
  match: RegExpMatchArray;
  /** The keyword the text started with; '' for a pattern. */
  keyword: string;
}

// A text that asks about something is not the thing itself: 签到了吗, 请假条模板怎么写, 通知书怎么写.
const QUESTION = /(?:吗|么|呢|怎么|怎样|如何|咋|什么|啥|哪|谁|为什么|能否|是否|[?？])/;
// A keyword followed at once by one of these names another thing: 请假条, 通知书, 签到表, 签到情况.
const OTHER_NOUN = /^(?:条|书|单|表|册|率|情况|统计|名单|记录|人数|模板|范本|格式|流程|规定|要求|制度|说明|须知)/;
/** 请假的同志请私聊, 补签的话找谁: a keyword followed at once by 的 describes something; it is not the command. */
const MODIFIER = /^的/;
const SEPARATOR = /^[\s:：,，]+/;
/** The phrase attached to a keyword ends at the first space or punctuation (a trailing ？ still belongs to it). */
const ATTACHED = /^[^\s,，。；;:：!！、]*/;

export class Router {
  private readonly commands: CommandRoute[] = [];
  private readonly actions = new Map<string, ActionRoute>();
  private fallbackHandler: CommandHandler | undefined;
  private readonly hooks: MessageHook[] = [];
  private readonly joinedHooks: JoinHook[] = [];

  /** Card forms that can also be opened as a web page (src/web/h5.ts), by the action id they submit to. */
  readonly pages = new FormPages();

  /** The presenters for this bot's service results (the core makes plain ones when absent). */
  constructor(readonly presenters?: Presenters) {}

  command(spec: CommandSpec, handler: CommandHandler): this {
    if (this.commands.some((c) => c.name === spec.name)) throw new Error(`command ${spec.name} declared twice`);
    if (!spec.keywords?.length && !spec.patterns?.length) throw new Error(`command ${spec.name} has neither keywords nor patterns`);
    this.commands.push({ ...spec, handler });
    return this;
  }

  action(actionId: string, handler: ActionHandler, opts: ActionOptions = {}): this {
    return this.addAction(actionId, { handler, opts });
  }

  /** An action whose clicks arriving together are handled together (the 签到 button: everyone clicks at once). */
  batchAction(actionId: string, batch: BatchActionHandler, opts: ActionOptions = {}): this {
    return this.addAction(actionId, { batch, opts });
  }

  private addAction(actionId: string, route: ActionRoute): this {
    if (this.actions.has(actionId)) throw new Error(`action ${actionId} registered twice`);
    this.actions.set(actionId, route);
    return this;
  }

  /** After every text message that a command or the fallback handled (e.g. telling an unbound group once how to bind it). */
  afterMessage(hook: MessageHook): this {
    this.hooks.push(hook);
    return this;
  }

  messageHooks(): readonly MessageHook[] {
    return this.hooks;
  }

  /** When the bot is added to a group (where the platform says so). */
  onJoin(hook: JoinHook): this {
    this.joinedHooks.push(hook);
    return this;
  }

  joinHooks(): readonly JoinHook[] {
    return this.joinedHooks;
  }

  /** Text that matches no command (questions, unknown commands). */
  fallback(handler: CommandHandler): this {
    this.fallbackHandler = handler;
    return this;
  }

  /** Every command whose form the text has (more than one is a shadowing bug: see test/chat/commands.test.ts). */
  matchAll(text: string): CommandMatch[] {
    const out: CommandMatch[] = [];
    for (const route of this.commands) {
      const m = matchRoute(route, text);
      if (m) out.push({ route, ...m });
    }
    return out;
  }

  /** The command for a text: the one whose keyword is longest when several match; else the fallback. */
  matchCommand(text: string): CommandMatch | undefined {
    const all = this.matchAll(text);
    if (all.length) return all.sort((a, b) => b.keyword.length - a.keyword.length)[0];
    if (this.fallbackHandler) return { route: { name: 'fallback', patterns: [], handler: this.fallbackHandler }, match: [text] as unknown as RegExpMatchArray, keyword: '' };
    return undefined;
  }

  /**
   * The declared command a text asks about (请假怎么请, 导出台账怎么弄): the longest keyword it starts with, not
   * one that begins another word (请假条, 通知书). For a hint when the question engine has no answer.
   */
  askedAbout(text: string): { route: CommandRoute; keyword: string } | undefined {
    let best: { route: CommandRoute; keyword: string } | undefined;
    for (const route of this.commands) {
      for (const keyword of route.keywords ?? []) {
        if (!text.startsWith(keyword) || OTHER_NOUN.test(text.slice(keyword.length))) continue;
        if (!best || keyword.length > best.keyword.length) best = { route, keyword };
      }
    }
    return best;
  }

  matchAction(actionId: string): ActionRoute | undefined {
    return this.actions.get(actionId);
  }

  actionIds(): string[] {
    return [...this.actions.keys()];
  }

  /** The declarations, in registration order (help, tests). */
  declared(): readonly CommandRoute[] {
    return this.commands;
  }
}

function matchRoute(route: CommandSpec, text: string): { match: RegExpMatchArray; keyword: string } | null {
  for (const pattern of route.patterns ?? []) {
    if (route.changes && QUESTION.test(text)) break;
    const match = text.match(pattern);
    if (match) return { match, keyword: '' };
  }
  for (const keyword of route.keywords ?? []) {
    if (!text.startsWith(keyword)) continue;
    const after = text.slice(keyword.length);
    const separated = SEPARATOR.test(after);
    if (!separated && (OTHER_NOUN.test(after) || MODIFIER.test(after))) continue;
    if (route.changes && !separated && QUESTION.test(ATTACHED.exec(after)![0])) continue;
    const rest = after.replace(SEPARATOR, '');
    if (!route.changes && QUESTION.test(rest.replace(/[?？]+$/, ''))) continue; // 我的任务？ still asks for the list
    const match = rest.match((!separated && route.attached) || route.args || /^$/);
    if (match && match[0] === rest) return { match, keyword };
  }
  return null;
}
