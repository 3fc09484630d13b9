// The confirm card of 绑定本群 and how a bound node is named (名称, kind, the level above).
import type { Card } from '../card.js';
import { say } from '../wording.js';
import type { BoundNode } from '../../services/chats.js';

export const BIND_ACTION = 'chat.bind';
/** The confirm card is for now: a day is plenty. */
export const BIND_TOKEN_TTL_SECONDS = 24 * 3600;

const KIND_KEYS = { WORK_COMMITTEE: 'chat.kind_work_committee', UNIT: 'chat.kind_unit', ORGAN_COMMITTEE: 'chat.kind_organ', BRANCH: 'chat.kind_branch', GROUP: 'chat.kind_group' } as const;

/** 第一党支部（党支部，上级：某某机关党委） */
export function boundText(n: BoundNode): string {
  const kind = say(KIND_KEYS[n.kind]);
  return n.parentName ? say('chat.node_with_parent', { name: n.name, kind, parent: n.parentName }) : say('chat.node', { name: n.name, kind });
}

export function bindConfirmCard(node: BoundNode, token: string): Card {
  return {
    title: say('chat.confirm_title'),
    tone: 'blue',
    markdown: say('chat.confirm_body', { what: boundText(node) }),
    buttons: [{ actionId: BIND_ACTION, label: say('chat.confirm_button'), style: 'primary', token }],
  };
}
