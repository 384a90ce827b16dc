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
  | 'new_sign_in'
  | 'deletion_requested'
  | 'deletion_cancelled'
  | 'organization_erased'
  | 'contact_message'
  | 'operator_alert'
  | 'incident_notification';

export interface Mail {
  kind: MailKind;
  to: string;
  subject: string;
  text: string;
  /**
   * The organization the mail is about, if any: erasing the organization erases its mail
   * (docs/decisions/0121). Mail that must outlive it (the erasure's confirmation) carries none.
   */
  organizationId?: string | undefined;
}

export async function enqueueMail(db: Kysely<DB>, mail: Mail): Promise<void> {
  await db
    .insertInto('emailOutbox')
    .values({
      kind: mail.kind,
      toAddress: mail.to,
      subject: mail.subject,
      textBody: mail.text,
      organizationId: mail.organizationId ?? null,
    })
    .execute();
}

const SIGNATURE =
  '\n\n-- \nMetric Flow IQ\nYou get this mail because of an action on your account. If it was not you, reply to your administrator or change your password.';

export const mails = {
  invitation: (
    to: string,
    o: { orgName: string; inviter: string; role: string; link: string; organizationId: string },
  ): Mail => ({
    kind: 'invitation',
    to,
    organizationId: o.organizationId,
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
  deletionRequested: (
    to: string,
    o: { orgName: string; slug: string; by: string; dueAt: Date; link: string; organizationId: string },
  ): Mail => ({
    kind: 'deletion_requested',
    to,
    organizationId: o.organizationId,
    subject: `${o.orgName} is scheduled for deletion on ${day(o.dueAt)}`,
    text: `${o.by} asked to delete the organization ${o.orgName} (/orgs/${o.slug}). It is locked now, and on ${o.dueAt.toISOString()} all of its data, its backups and its history will be erased for good.\n\nAn owner can cancel the deletion until then:\n${o.link}${SIGNATURE}`,
  }),
  deletionCancelled: (to: string, o: { orgName: string; by: string; organizationId: string }): Mail => ({
    kind: 'deletion_cancelled',
    to,
    organizationId: o.organizationId,
    subject: `The deletion of ${o.orgName} was cancelled`,
    text: `${o.by} cancelled the deletion of ${o.orgName}. Nothing was erased, and the organization is open again.${SIGNATURE}`,
  }),
  organizationErased: (
    to: string,
    o: {
      orgName: string;
      slug: string;
      erasedAt: Date;
      recordId: string;
      rows: number;
      tables: number;
      backupKeys: number;
    },
  ): Mail => ({
    kind: 'organization_erased',
    to,
    subject: `${o.orgName} has been erased`,
    text: `As requested, the organization ${o.orgName} (${o.slug}) was erased on ${o.erasedAt.toISOString()}.\n\n- ${o.rows} rows in ${o.tables} tables deleted, with its stored files and mail\n- ${o.backupKeys} backup key(s) destroyed: every copy of its backups is now unreadable\n\nErasure record: ${o.recordId}. Quote it if you need confirmation from us.${SIGNATURE}`,
  }),
  contactMessage: (
    to: string,
    o: { topic: string; name: string; email: string; message: string; receivedAt: Date; requestId: string },
  ): Mail => ({
    kind: 'contact_message',
    to,
    subject: `[${o.topic}] Message from ${o.name} through the contact form`,
    text: `From: ${o.name} <${o.email}>\nTopic: ${o.topic}\nReceived: ${o.receivedAt.toISOString()} (request ${o.requestId})\n\n${o.message}\n\n-- \nSent by the Metric Flow IQ contact form. Reply to the address above; \`mfiq contact list\` lists every message.`,
  }),
  restoreDrillFailed: (to: string, o: { slug: string; backupId: string | null; reason: string; at: Date }): Mail => ({
    kind: 'operator_alert',
    to,
    subject: `[alert] Restore drill failed for ${o.slug}`,
    text: `The restore drill of organization ${o.slug} failed at ${o.at.toISOString()}.\n\nBackup: ${o.backupId ?? 'none'}\nReason: ${o.reason}\n\nCheck it with: mfiq backup verify --id ${o.backupId ?? '<backup id>'}, then run it again with: mfiq drill run --org ${o.slug}\n\n-- \nMetric Flow IQ worker (OPERATOR_ALERT_EMAIL)`,
  }),
};

const day = (d: Date) => d.toISOString().slice(0, 10);
