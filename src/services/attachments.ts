// Chat attachments kept with records: a picture or file sent with 记录 … is first referenced by its
// platform handle (lark:<key> …) in the record's evidence, and queued here, in the record's
// transaction, to be downloaded after the platform's ack (jobs/attachments.ts). Once stored, the
// evidence points at the stored file (file:<sha256>), served through person-bound signed links.
import type { ChatKind, Platform } from '../generated/prisma/enums.js';
import type { Unit } from './kernel.js';

/**
 * How a record's evidence names an attachment not yet stored: the platform and its key, without the
 * key's fragment (WeCom carries the file's aeskey there, which the evidence has no use for).
 */
export const attachmentHandle = (platform: string, key: string) => `${platform.toLowerCase()}:${key.split('#')[0]}`;

/** How evidence names a stored file. */
export const storedFileUrl = (sha256: string) => `file:${sha256}`;

export interface KeptAttachment {
  kind: 'image' | 'file';
  key: string;
  name?: string;
}

/** Queue the download of the pictures and files a record was made with (one row per handle, once). */
export async function keepAttachments(
  unit: Unit,
  input: { platform: Platform; tenantKey: string; chat: { id: string; kind: ChatKind }; memberId: string | null; attachments: KeptAttachment[] },
): Promise<number> {
  const rows = input.attachments.map((a) => ({
    platform: input.platform,
    tenantKey: input.tenantKey,
    chatId: input.chat.id,
    chatKind: input.chat.kind,
    memberId: input.memberId,
    handle: attachmentHandle(input.platform, a.key),
    kind: a.kind,
    ref: { kind: a.kind, key: a.key, ...(a.name ? { name: a.name } : {}) },
    name: a.name ?? null,
    nextAt: unit.now,
  }));
  if (!rows.length) return 0;
  const known = await unit.tx.attachmentFetch.findMany({ where: { handle: { in: rows.map((r) => r.handle) } }, select: { handle: true } });
  const fresh = rows.filter((r) => !known.some((k) => k.handle === r.handle));
  if (fresh.length) await unit.tx.attachmentFetch.createMany({ data: fresh });
  return fresh.length;
}
