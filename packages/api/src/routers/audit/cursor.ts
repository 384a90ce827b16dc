import { AppError } from '../../errors.ts';

/**
 * Pages are keyed on the chain's sequence (newest first), which never changes once written: a
 * cursor stays valid as new events arrive. Opaque to clients; versioned so its shape can change.
 */
export function encodeCursor(sequence: number): string {
  return Buffer.from(`v1:${sequence}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^v1:(\d{1,18})$/.exec(text);
  const sequence = match ? Number(match[1]) : Number.NaN;
  if (!Number.isSafeInteger(sequence) || sequence < 1) {
    throw new AppError('INVALID', 'Cursor is malformed: use the cursor the previous page returned', {
      fieldErrors: { cursor: ['Cursor is malformed'] },
    });
  }
  return sequence;
}
