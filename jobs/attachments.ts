// Downloads the pictures and files records were made with (queued by src/services/attachments.ts in
// the record's transaction), after the platform's ack: a maintenance job every few seconds takes
// the due AttachmentFetch rows, asks the platform's adapter for the bytes (PlatformSender.download)
// within ATTACHMENT_MAX_BYTES, stores them by SHA-256 (the same file twice is kept once) and points
// the records' evidence at file:<sha256>, then tells the sender with a person-bound signed link.
// A file over the limit is refused with a reply naming the limit; a failure is retried with backoff
// and, when the platform says the key is gone or the attempts run out, the sender is told. The
// record itself is never touched by a failure: it keeps its text and the platform handle.
import crypto from 'node:crypto';
import type { Database } from '../src/db/client.js';
import type { Logger } from '../src/log.js';
import type { TokenSigner } from '../src/chat/token.js';
import type { Outbound, QueuedOutbox } from '../src/chat/types.js';
import type { Platform, ChatKind } from '../src/generated/prisma/enums.js';
import { AttachmentTooLarge, SendError, type PlatformSender } from '../src/platforms/types.js';
import { say } from '../src/chat/wording.js';
import { insertOutbox } from '../src/outbox/store.js';
import { storeFile } from '../src/state/files.js';
import { storedFileUrl } from '../src/services/attachments.js';
import { attachmentLink } from '../src/web/attachment-files.js';

export const ATTACHMENTS_JOB = 'attachments';
/** How often due downloads are looked for (WeCom's download urls live 5 minutes). */
export const ATTACHMENTS_EVERY_MS = 5000;
/** A claimed row is not taken by another worker for this long. */
const LEASE_MS = 2 * 60_000;
/** Where a kept attachment is named by its url, in a JSON array: records, 组织生活会 steps, minutes. */
const HOLDERS = [['DutyRecord', 'evidence'], ['LifeMeetingStep', 'evidence'], ['Minutes', 'attachments']] as const;
const BATCH = 10;

export interface AttachmentFetcherOptions {
  maxBytes: number;
  tokens?: TokenSigner;
  publicUrl: string;
  /** Attempts before giving up (retryable failures). */
  attempts?: number;
  /** Wait before the n-th retry: backoffMs · 4^(n-1). */
  backoffMs?: number;
  /** Lifetime of the link in the reply, seconds. */
  linkTtlSeconds?: number;
  clock?: () => Date;
}

interface Row {
  id: string;
  platform: Platform;
  tenantKey: string;
  chatId: string;
  chatKind: ChatKind;
  memberId: string | null;
  handle: string;
  kind: string;
  ref: { kind: string; key: string; name?: string };
  name: string | null;
  attempts: number;
}

/** The type of a raster picture by its first bytes, for platforms that serve it without one (WeCom's decrypted files). */
export function sniffImage(b: Buffer): string | undefined {
  if (b.subarray(0, 8).equals(Buffer.from('89504e470d0a1a0a', 'hex'))) return 'image/png';
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.subarray(0, 4).toString('latin1') === 'GIF8') return 'image/gif';
  if (b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  return undefined;
}

/** 20 MB, 512 KB: the size as a secretary reads it. */
export function sizeWords(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Number((bytes / 1024 / 1024).toFixed(1))} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} 字节`;
}

export class AttachmentFetcher {
  constructor(
    private readonly db: Database,
    private readonly senders: PlatformSender[],
    private readonly deliver: (rows: QueuedOutbox[]) => Promise<void>,
    private readonly log: Logger,
    private readonly opts: AttachmentFetcherOptions,
  ) {}

  /** Take the due rows and fetch each; returns what became of them. */
  async run(now = (this.opts.clock ?? (() => new Date()))()): Promise<{ stored: number; refused: number; retried: number; failed: number }> {
    const out = { stored: 0, refused: 0, retried: 0, failed: 0 };
    const rows = await this.db.sql.query<Row>(
      `UPDATE "AttachmentFetch" SET attempts = attempts + 1, "nextAt" = $2::timestamptz
        WHERE id IN (SELECT id FROM "AttachmentFetch" WHERE status = 'PENDING' AND "nextAt" <= $1::timestamptz ORDER BY "nextAt" LIMIT ${BATCH} FOR UPDATE SKIP LOCKED)
        RETURNING id, platform, "tenantKey", "chatId", "chatKind", "memberId", handle, kind, ref, name, attempts`,
      [now.toISOString(), new Date(now.getTime() + LEASE_MS).toISOString()],
    );
    for (const row of rows) out[await this.fetchOne(row, now)]++;
    return out;
  }

  private async fetchOne(row: Row, now: Date): Promise<'stored' | 'refused' | 'retried' | 'failed'> {
    const sender = this.senders.find((s) => s.platform === row.platform && s.download);
    const what = say(row.kind === 'image' ? 'attachments.image' : 'attachments.file');
    const name = row.name ? `「${row.name}」` : '';
    try {
      if (!sender?.download) throw new SendError(`no adapter downloads from ${row.platform} here`, false);
      const file = await sender.download(row.ref, this.opts.maxBytes);
      // The adapters read within the limit; checked again here so nothing larger is ever stored.
      if (file.bytes.length > this.opts.maxBytes) throw new AttachmentTooLarge(this.opts.maxBytes);
      const sha256 = crypto.createHash('sha256').update(file.bytes).digest('hex');
      const size = file.bytes.length;
      const mime = file.mime && file.mime !== 'application/octet-stream' ? file.mime : sniffImage(file.bytes);
      const link = this.opts.tokens && row.memberId ? attachmentLink(this.opts.tokens, this.opts.publicUrl, sha256, row.memberId, this.opts.linkTtlSeconds, now) : undefined;
      await this.finish(row, { status: 'STORED', sha256, size, file: { bytes: file.bytes, mime } }, link ? say('attachments.stored', { what, name, size: sizeWords(size), link }) : undefined);
      this.log.info({ platform: row.platform, fetch: row.id, size }, 'attachment stored');
      return 'stored';
    } catch (e) {
      if (e instanceof AttachmentTooLarge) {
        await this.finish(row, { status: 'TOO_LARGE', error: e.message }, say('attachments.too_large', { what, name, max: sizeWords(this.opts.maxBytes) }));
        return 'refused';
      }
      const retryable = !(e instanceof SendError) || e.retryable;
      const error = (e as Error).message.slice(0, 300);
      const attempts = this.opts.attempts ?? 6;
      if (retryable && row.attempts < attempts) {
        const wait = (this.opts.backoffMs ?? 5000) * 4 ** (row.attempts - 1);
        await this.db.prisma.attachmentFetch.update({ where: { id: row.id }, data: { nextAt: new Date(now.getTime() + wait), lastError: error } });
        this.log.warn({ platform: row.platform, fetch: row.id, attempt: row.attempts, error }, 'attachment download failed; retrying');
        return 'retried';
      }
      this.log.warn({ platform: row.platform, fetch: row.id, attempt: row.attempts, error }, 'attachment download given up');
      await this.finish(row, { status: retryable ? 'FAILED' : 'GONE', error }, say('attachments.failed', { what, name }));
      return 'failed';
    }
  }

  /** One transaction: the file (once per hash), the row's outcome, the records' evidence, the reply. */
  private async finish(
    row: Row,
    outcome: { status: 'STORED'; sha256: string; size: number; file: { bytes: Buffer; mime?: string } } | { status: 'TOO_LARGE' | 'GONE' | 'FAILED'; error: string },
    reply: string | undefined,
  ): Promise<void> {
    const queued = await this.db.transaction(async ({ tx, sql }) => {
      if (outcome.status === 'STORED') {
        await storeFile(sql, { sha256: outcome.sha256, bytes: outcome.file.bytes, mime: outcome.file.mime });
        await tx.attachmentFetch.update({ where: { id: row.id }, data: { status: 'STORED', sha256: outcome.sha256, size: outcome.size, doneAt: new Date(), lastError: null } });
      } else {
        await tx.attachmentFetch.update({ where: { id: row.id }, data: { status: outcome.status, lastError: outcome.error, doneAt: new Date() } });
      }
      // Every record whose evidence names this handle: stored → file:<sha256> with its size; else marked.
      const patch = outcome.status === 'STORED' ? { url: storedFileUrl(outcome.sha256), sha256: outcome.sha256, size: outcome.size } : { unavailable: outcome.status.toLowerCase() };
      for (const [table, column] of HOLDERS) {
        await sql.query(
          `UPDATE "${table}" r SET "${column}" = (
             SELECT jsonb_agg(CASE WHEN e->>'url' = $1 THEN e || $2::jsonb ELSE e END ORDER BY i) FROM jsonb_array_elements(r."${column}") WITH ORDINALITY AS x(e, i))
           WHERE r."${column}" @> jsonb_build_array(jsonb_build_object('url', $1::text))`,
          [row.handle, JSON.stringify(patch)],
        );
      }
      if (!reply) return [];
      const message: Outbound = {
        to: { platform: row.platform, tenantKey: row.tenantKey, target: row.chatId, targetKind: row.chatKind },
        body: { kind: 'text', text: reply },
        dedupeKey: `attachment:${row.id}:${outcome.status}`,
        category: 'reply',
        ...(row.memberId ? { memberId: row.memberId } : {}),
      };
      return insertOutbox(sql, [message]);
    });
    if (queued.length) await this.deliver(queued);
  }
}
