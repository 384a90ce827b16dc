import { Transform, type TransformCallback } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

/**
 * Remix 2's <Scripts> renders `<link rel="modulepreload">` without the nonce, and under
 * `'strict-dynamic'` the browser refuses those preloads. This adds the nonce to them as the HTML
 * streams out, holding back a pattern-length tail so a tag split across chunks is still found.
 * (React's development build mentions the extra attribute while hydrating; production is silent.)
 */
export class ModulePreloadNonce extends Transform {
  private static readonly TAG = '<link rel="modulepreload"';
  private tail = '';
  private readonly decoder = new StringDecoder('utf8');

  constructor(private readonly nonce: string) {
    super();
  }

  override _transform(chunk: Buffer | string, _encoding: BufferEncoding, callback: TransformCallback): void {
    const text = this.tail + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
    const keep = ModulePreloadNonce.TAG.length - 1;
    const cut = Math.max(0, text.length - keep);
    // Never cut inside a tag occurrence: if one straddles the cut it is replaced now.
    const last = text.lastIndexOf(ModulePreloadNonce.TAG);
    const split = last >= 0 && last + ModulePreloadNonce.TAG.length > cut ? last + ModulePreloadNonce.TAG.length : cut;
    this.tail = text.slice(split);
    callback(null, this.rewrite(text.slice(0, split)));
  }

  override _flush(callback: TransformCallback): void {
    callback(null, this.rewrite(this.tail + this.decoder.end()));
  }

  private rewrite(text: string): string {
    return text.split(ModulePreloadNonce.TAG).join(`${ModulePreloadNonce.TAG} nonce="${this.nonce}"`);
  }
}
