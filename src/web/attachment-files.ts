// Stored chat attachments (pictures and files kept with records, jobs/attachments.ts):
//   GET /files/attachment?t=<token>   the file; token action files.attachment, target its SHA-256,
//                                     bound to the member it was sent to (src/web/personal-links.ts)
// Only raster images are shown inline; everything else is a download (application/octet-stream),
// so a stored HTML or SVG file never runs as a page of this site.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Database } from '../db/client.js';
import type { TokenSigner } from '../chat/token.js';
import { say } from '../chat/wording.js';
import { escapeHtml } from './h5.js';
import { htmlPage, PersonalLinks } from './personal-links.js';
import { readFile } from '../state/files.js';

export const ATTACHMENT_ACTION = 'files.attachment';
/** How long the link in the bot's reply opens the file. */
export const ATTACHMENT_LINK_TTL_SECONDS = 30 * 86_400;
const INLINE = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/bmp']);

/** The signed, person-bound link to a stored file. */
export function attachmentLink(tokens: TokenSigner, publicUrl: string, sha256: string, memberId: string, ttlSeconds = ATTACHMENT_LINK_TTL_SECONDS, now = new Date()): string {
  return `${publicUrl}/files/attachment?t=${encodeURIComponent(tokens.sign({ action: ATTACHMENT_ACTION, target: sha256, member: memberId }, ttlSeconds, now))}`;
}

const refuse = (reply: FastifyReply, status: number, text: string) => reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(htmlPage(text, `<h1>${escapeHtml(text)}</h1>`));

export function registerAttachmentFiles(server: FastifyInstance, deps: { db: Database; tokens: TokenSigner; clock?: () => Date }): void {
  const clock = deps.clock ?? (() => new Date());
  // The guard only (the identity routes are registered once, by the ledger files).
  const links = new PersonalLinks(deps);
  server.get('/files/attachment', async (req, reply) => {
    const check = deps.tokens.verify(String((req.query as { t?: string }).t ?? ''), clock());
    if (!check.ok) return refuse(reply, check.reason === 'expired' ? 410 : 403, say(check.reason === 'expired' ? 'attachments.link_expired' : 'ledger.link_invalid'));
    const { action, target, member } = check.claims;
    if (action !== ATTACHMENT_ACTION || !member || !/^[0-9a-f]{64}$/.test(target)) return refuse(reply, 403, say('ledger.link_invalid'));
    if (!(await links.guard(req, reply, member, req.url))) return reply;
    return sendStoredFile(reply, deps.db, target);
  });
}

/** A stored file's bytes: raster pictures inline, anything else as a download; never sniffed or cached. */
export async function sendStoredFile(reply: FastifyReply, db: Database, sha256: string): Promise<FastifyReply> {
  const file = await readFile(db.sql, sha256);
  if (!file) return refuse(reply, 404, say('attachments.gone'));
  const inline = !!file.mime && INLINE.has(file.mime);
  return reply
    .type(inline ? file.mime! : 'application/octet-stream')
    .header('content-disposition', inline ? 'inline' : `attachment; filename="${sha256.slice(0, 12)}"`)
    .header('x-content-type-options', 'nosniff')
    .header('cache-control', 'private, no-store')
    .header('x-content-sha256', sha256)
    .send(file.bytes);
}
