import { generateRecoveryCodes, generateTotpSecret, recoveryCodeHash, totpUri, verifyTotp } from '@mfiq/auth';
import { z } from 'zod';
import { AppError } from '../../errors.ts';
import { mails } from '../../mail.ts';
import { recentAuthProcedure } from '../../trpc.ts';
import { confirmTwoFactorInput } from './schemas.ts';

const recoveryOutput = z.object({ recoveryCodes: z.array(z.string()).length(10) });

/**
 * Starts (or restarts) two-factor set-up: a new secret, sealed under the application key, pending
 * until a code from the app confirms it. Returns what the QR code and manual entry show.
 */
export const beginTwoFactor = recentAuthProcedure
  .output(z.object({ secret: z.string(), uri: z.string() }))
  .mutation(async ({ ctx }) => {
    const secret = generateTotpSecret();
    if (!(await ctx.platform.savePendingTwoFactor(ctx.user.id, ctx.secretBox.seal(secret)))) {
      throw new AppError('CONFLICT', 'Two-factor is already on. Turn it off first to set up a new app.');
    }
    return { secret, uri: totpUri(secret, ctx.user.email) };
  });

/** Confirms set-up with a code from the app; turns two-factor on and returns 10 recovery codes, once. */
export const confirmTwoFactor = recentAuthProcedure
  .input(confirmTwoFactorInput)
  .output(recoveryOutput)
  .mutation(async ({ ctx, input }) => {
    const tf = await ctx.platform.twoFactorOf(ctx.user.id);
    if (!tf || tf.enabledAt)
      throw new AppError('CONFLICT', tf ? 'Two-factor is already on.' : 'Start the set-up first.');
    const step = verifyTotp(ctx.secretBox.open(tf.secretCiphertext), input.code, {
      at: ctx.auth.now(),
      lastUsedStep: null,
    });
    if (step === null)
      throw new AppError('INVALID', 'That code is not valid. Check the time on your device and try the current code.', {
        fieldErrors: { code: ['That code is not valid.'] },
      });
    const codes = generateRecoveryCodes();
    if (
      !(await ctx.platform.enableTwoFactor(
        ctx.user.id,
        step,
        codes.map((c) => recoveryCodeHash(ctx.secretBox, c)),
      ))
    )
      throw new AppError('CONFLICT', 'Two-factor is already on.');
    await ctx.platform.sendMail(mails.twoFactorChanged(ctx.user.email, { what: 'turned on' }));
    await ctx.platform.securityEvent({ type: 'user', id: ctx.user.id, display: ctx.user.email }, ctx.request, {
      action: 'user.two_factor_enabled',
      target: { type: 'user', id: ctx.user.id, display: ctx.user.email },
    });
    return { recoveryCodes: codes };
  });

export const disableTwoFactor = recentAuthProcedure
  .output(z.object({ enabled: z.literal(false) }))
  .mutation(async ({ ctx }) => {
    const tf = await ctx.platform.twoFactorOf(ctx.user.id);
    if (!tf) throw new AppError('CONFLICT', 'Two-factor is not on.');
    await ctx.platform.disableTwoFactor(ctx.user.id);
    if (tf.enabledAt) {
      await ctx.platform.sendMail(mails.twoFactorChanged(ctx.user.email, { what: 'turned off' }));
      await ctx.platform.securityEvent({ type: 'user', id: ctx.user.id, display: ctx.user.email }, ctx.request, {
        action: 'user.two_factor_disabled',
        target: { type: 'user', id: ctx.user.id, display: ctx.user.email },
      });
    }
    return { enabled: false as const };
  });

/** Replaces all recovery codes (the old ones stop working) and shows the new ones once. */
export const regenerateRecoveryCodes = recentAuthProcedure.output(recoveryOutput).mutation(async ({ ctx }) => {
  const tf = await ctx.platform.twoFactorOf(ctx.user.id);
  if (!tf?.enabledAt) throw new AppError('CONFLICT', 'Two-factor is not on.');
  const codes = generateRecoveryCodes();
  await ctx.platform.replaceRecoveryCodes(
    ctx.user.id,
    codes.map((c) => recoveryCodeHash(ctx.secretBox, c)),
  );
  await ctx.platform.sendMail(
    mails.twoFactorChanged(ctx.user.email, { what: 'new recovery codes were created (the old ones no longer work)' }),
  );
  await ctx.platform.securityEvent({ type: 'user', id: ctx.user.id, display: ctx.user.email }, ctx.request, {
    action: 'user.recovery_codes_regenerated',
    target: { type: 'user', id: ctx.user.id, display: ctx.user.email },
  });
  return { recoveryCodes: codes };
});
