import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { BackupError } from './errors.ts';

/**
 * Chunked authenticated encryption (AES-256-GCM), so a backup streams in both directions with flat
 * memory and a reader never releases unauthenticated bytes. Layout:
 *
 *   "MFIQBK01" | nonce prefix (7) | frame*      frame = flag (1) | length u32be (4) | ciphertext | tag (16)
 *
 * The nonce of frame i is prefix | i (u32be) | flag, where flag 1 marks the last frame. Reordered,
 * dropped or duplicated frames fail their tag; a stream that ends without a last frame is
 * truncated; bytes after the last frame are refused. The data key is fresh per backup.
 */
const MAGIC = Buffer.from('MFIQBK01');
const FRAME_SIZE = 64 * 1024;
const HEADER = MAGIC.length + 7;
const TAG = 16;

function nonce(prefix: Buffer, index: number, last: boolean): Buffer {
  const n = Buffer.alloc(12);
  prefix.copy(n, 0);
  n.writeUInt32BE(index, 7);
  n[11] = last ? 1 : 0;
  return n;
}

export class EncryptStream extends Transform {
  private readonly prefix = randomBytes(7);
  private index = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly key: Buffer) {
    super();
    this.push(Buffer.concat([MAGIC, this.prefix]));
  }

  private seal(plain: Buffer, last: boolean): Buffer {
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce(this.prefix, this.index++, last));
    const ct = Buffer.concat([cipher.update(plain), cipher.final()]);
    const head = Buffer.alloc(5);
    head[0] = last ? 1 : 0;
    head.writeUInt32BE(ct.length, 1);
    return Buffer.concat([head, ct, cipher.getAuthTag()]);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= FRAME_SIZE) {
      let all = Buffer.concat(this.pending);
      const out: Buffer[] = [];
      while (all.length >= FRAME_SIZE) {
        out.push(this.seal(all.subarray(0, FRAME_SIZE), false));
        all = all.subarray(FRAME_SIZE);
      }
      this.pending = all.length ? [Buffer.from(all)] : [];
      this.pendingBytes = all.length;
      this.push(Buffer.concat(out));
    }
    done();
  }

  override _flush(done: TransformCallback): void {
    this.push(this.seal(Buffer.concat(this.pending), true));
    done();
  }
}

export class DecryptStream extends Transform {
  private buf: Buffer = Buffer.alloc(0);
  private prefix: Buffer | null = null;
  private index = 0;
  private ended = false;

  constructor(
    private readonly key: Buffer,
    private readonly label: string,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    try {
      this.drain();
      done();
    } catch (error) {
      done(error as Error);
    }
  }

  private drain(): void {
    if (!this.prefix) {
      if (this.buf.length < HEADER) return;
      if (!this.buf.subarray(0, MAGIC.length).equals(MAGIC))
        throw new BackupError('DATA_TAMPERED', `${this.label}: not a backup data file (bad header).`);
      this.prefix = Buffer.from(this.buf.subarray(MAGIC.length, HEADER));
      this.buf = this.buf.subarray(HEADER);
    }
    while (this.buf.length >= 5) {
      if (this.ended) throw new BackupError('DATA_TAMPERED', `${this.label}: unexpected bytes after the last frame.`);
      const flag = this.buf[0]!;
      const length = this.buf.readUInt32BE(1);
      if (flag > 1 || length > FRAME_SIZE)
        throw new BackupError('DATA_TAMPERED', `${this.label}: frame ${this.index} has a corrupt header.`);
      if (this.buf.length < 5 + length + TAG) return;
      const ct = this.buf.subarray(5, 5 + length);
      const tag = this.buf.subarray(5 + length, 5 + length + TAG);
      let plain: Buffer;
      try {
        const decipher = createDecipheriv('aes-256-gcm', this.key, nonce(this.prefix, this.index, flag === 1));
        decipher.setAuthTag(tag);
        plain = Buffer.concat([decipher.update(ct), decipher.final()]);
      } catch (error) {
        throw new BackupError(
          'DATA_TAMPERED',
          `${this.label}: frame ${this.index} failed authentication: the data was modified or corrupted.`,
          { cause: error },
        );
      }
      this.index += 1;
      this.buf = this.buf.subarray(5 + length + TAG);
      if (flag === 1) this.ended = true;
      if (plain.length) this.push(plain);
    }
  }

  override _flush(done: TransformCallback): void {
    if (!this.ended) {
      done(
        new BackupError(
          'DATA_TRUNCATED',
          `${this.label}: the data ends before its last frame (truncated after ${this.index} frames).`,
        ),
      );
      return;
    }
    if (this.buf.length) {
      done(new BackupError('DATA_TAMPERED', `${this.label}: unexpected bytes after the last frame.`));
      return;
    }
    done();
  }
}
