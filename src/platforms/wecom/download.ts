// Pictures and files a member sent the WeCom AI bot: the message carries an encrypted download url
// (valid 5 minutes) and, over the long connection, the aeskey of that url (SDK ImageContent /
// FileContent). The bytes are AES-256-CBC with the key's first 16 bytes as IV and PKCS#7 padding to
// 32 bytes: decrypted with the SDK's own decryptFile (what WSClient.downloadFile does, without its
// unbounded read). In webhook mode the message carries no aeskey: the bot's EncodingAESKey is used,
// as for the callbacks themselves.
import { decryptFile } from '@wecom/aibot-node-sdk';
import { fetchLimited } from '../download.js';
import { AttachmentTooLarge, SendError, type Downloaded } from '../types.js';

/** PKCS#7 to 32 bytes adds at most 32 bytes to the plain file. */
const PADDING = 32;

export function wecomDownload(opts: { encodingAesKey?: string; timeoutMs: number }) {
  return async (a: { key: string }, maxBytes: number): Promise<Downloaded> => {
    const [url = '', fragment = ''] = a.key.split('#');
    const aesKey = new URLSearchParams(fragment).get('aeskey') ?? opts.encodingAesKey;
    if (!aesKey) throw new SendError('wecom download: no aeskey for the file', false);
    const got = await fetchLimited('wecom download', url, maxBytes + PADDING, opts.timeoutMs);
    let bytes: Buffer;
    try {
      bytes = decryptFile(got.bytes, aesKey);
    } catch {
      throw new SendError('wecom download: the file does not decrypt with its aeskey', false);
    }
    if (bytes.length > maxBytes) throw new AttachmentTooLarge(maxBytes);
    return { bytes, mime: got.mime === 'application/octet-stream' ? undefined : got.mime };
  };
}
