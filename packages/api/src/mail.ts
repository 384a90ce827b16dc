import type { Kysely } from 'kysely';
import type { DB } from '@mfiq/db';

/**
 * Mail is written to the email_outbox in the same transaction as the change it announces (an
 * invitation mail exists exactly when the invitation does); the worker sends it. Bodies are plain
 * text. Links come from the configured public URL, never from the request's Host header (a forged
 * Host would otherwise put a reset token into an attacker's link).
 */
type MailKind =
  | 'invitation'
  | 'signup_confirm'
  | 'signup_existing_account'
  | 'password_reset'
  | 'password_changed'
  | 'two_factor_changed'
  | 'new_sign_in';

export interface Mail {
  kind: MailKind;
  to: string;
  subject: string;
  text: string;
}

export async function enqueueMail(db: Kysely<DB>, mail: Mail): Promise<void> {
  await db
    .insertInto('emailOutbox')
    .values({ kind: mail.kind, toAddress: mail.to, subject: mail.subject, textBody: mail.text })
    .execute();
}

const SIGNATURE =
  '\n\n-- \nMetric Flow IQ\nYou get this mail because of an action on your account. If it was not you, reply to your administrator or change your password.';

export const mails = {
  invitation: (to: string, o: { orgName: string; inviter: string; role: string; link: string }): Mail => ({
    kind: 'invitation',
    to,
    subject: `${o.inviter} invited you to ${o.orgName} on Metric Flow IQ`,
    text: `${o.inviter} invited you to join ${o.orgName} as ${o.role}.\n\nAccept the invitation (valid for 7 days, usable once):\n${o.link}${SIGNATURE}`,
  }),
  signupConfirm: (to: string, o: { link: string }): Mail => ({
    kind: 'signup_confirm',
    to,
    subject: 'Confirm your email to create your organization',
    text: `Confirm this address to finish creating your Metric Flow IQ account (valid for 24 hours):\n${o.link}${SIGNATURE}`,
  }),
  signupExisting: (to: string, o: { loginLink: string; resetLink: string }): Mail => ({
    kind: 'signup_existing_account',
    to,
    subject: 'Someone tried to create an account with your email',
    text: `Somebody (perhaps you) tried to create a new Metric Flow IQ account with this address, which already has one.\n\nSign in: ${o.loginLink}\nForgot your password? ${o.resetLink}${SIGNATURE}`,
  }),
  passwordReset: (to: string, o: { link: string }): Mail => ({
    kind: 'password_reset',
    to,
    subject: 'Reset your Metric Flow IQ password',
    text: `Choose a new password here (valid for 30 minutes, usable once):\n${o.link}\n\nIf you did not ask for this, ignore this mail: your password stays as it is.${SIGNATURE}`,
  }),
  passwordChanged: (to: string, o: { how: 'changed' | 'reset' }): Mail => ({
    kind: 'password_changed',
    to,
    subject: 'Your Metric Flow IQ password was changed',
    text: `Your password was ${o.how}. Your other sessions were signed out.${SIGNATURE}`,
  }),
  twoFactorChanged: (to: string, o: { what: string }): Mail => ({
    kind: 'two_factor_changed',
    to,
    subject: 'Your two-factor settings changed',
    text: `Two-factor authentication on your Metric Flow IQ account: ${o.what}.${SIGNATURE}`,
  }),
  newSignIn: (to: string, o: { ip: string | null; userAgent: string | null; at: Date }): Mail => ({
    kind: 'new_sign_in',
    to,
    subject: 'New sign-in to your Metric Flow IQ account',
    text: `Your account was signed in from a device we have not seen recently.\n\nWhen: ${o.at.toISOString()}\nIP address: ${o.ip ?? 'unknown'}\nDevice: ${o.userAgent ?? 'unknown'}\n\nYou can end sessions you do not recognize under Account.${SIGNATURE}`,
  }),
};
