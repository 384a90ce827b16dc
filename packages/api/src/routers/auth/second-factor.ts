import { legacyRecoveryCodeDigest, looksLikeRecoveryCode, recoveryCodeHash, verifyTotp } from '@mfiq/auth';
import type { Context } from '../../context.ts';

export type SecondFactor = 'totp' | 'recovery_code';

/**
 * Checks a two-factor code, TOTP or recovery code, and spends it: a TOTP step or recovery code
 * accepted here is never accepted again. Null for a wrong, reused or expired code.
 */
export async function spendSecondFactor(ctx: Context, userId: string, code: string): Promise<SecondFactor | null> {
  const trimmed = code.replace(/\s/g, '');
  if (/^\d{6}$/.test(trimmed)) {
    const tf = await ctx.platform.twoFactorOf(userId);
    if (!tf?.enabledAt) return null;
    const step = verifyTotp(ctx.secretBox.open(tf.secretCiphertext), trimmed, {
      at: ctx.auth.now(),
      lastUsedStep: tf.lastUsedStep,
    });
    return step !== null && (await ctx.platform.spendTotpStep(userId, step)) ? 'totp' : null;
  }
  if (looksLikeRecoveryCode(code)) {
    const hashes = { keyed: recoveryCodeHash(ctx.secretBox, code), legacy: legacyRecoveryCodeDigest(code) };
    return (await ctx.platform.spendRecoveryCode(userId, hashes)) ? 'recovery_code' : null;
  }
  return null;
}

export async function hasTwoFactor(ctx: Context, userId: string): Promise<boolean> {
  return Boolean((await ctx.platform.twoFactorOf(userId))?.enabledAt);
}
