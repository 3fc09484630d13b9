// Reading a downloaded attachment within the size limit, for every adapter: a declared length over
// the limit is refused before reading, and a body that grows past it is cut off (nothing half-kept).
import { AttachmentTooLarge, SendError, type Downloaded } from './types.js';

/** The bytes of a stream, refusing past `maxBytes`. */
export async function readLimited(body: AsyncIterable<Uint8Array> | null | undefined, maxBytes: number, declared?: number): Promise<Buffer> {
  if (declared !== undefined && Number.isFinite(declared) && declared > maxBytes) throw new AttachmentTooLarge(maxBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of body ?? []) {
    size += c.length;
    if (size > maxBytes) {
      const stream = body as { destroy?: () => void };
      stream.destroy?.();
      throw new AttachmentTooLarge(maxBytes);
    }
    chunks.push(Buffer.from(c));
  }
  return Buffer.concat(chunks);
}

/**
 * GET a download URL the platform handed out (DingTalk downloadUrl, WeCom's file url) with a time
 * limit. 429 and 5xx are retryable; another 4xx means the link is gone or expired.
 */
export async function fetchLimited(what: string, url: string, maxBytes: number, timeoutMs: number): Promise<Downloaded> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    throw new SendError(`${what}: ${(e as Error).name === 'TimeoutError' ? 'timed out' : 'network error'}`, true);
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new SendError(`${what}: HTTP ${res.status}`, res.status === 429 || res.status >= 500);
  }
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    await res.body?.cancel();
    throw new AttachmentTooLarge(maxBytes);
  }
  let bytes: Buffer;
  try {
    bytes = await readLimited(res.body as AsyncIterable<Uint8Array> | null, maxBytes);
  } catch (e) {
    if (e instanceof AttachmentTooLarge) throw e;
    throw new SendError(`${what}: the download broke off`, true);
  }
  return { bytes, mime: res.headers.get('content-type')?.split(';')[0]?.trim() || undefined };
}
