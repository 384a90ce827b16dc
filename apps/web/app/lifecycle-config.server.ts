import { z } from 'zod';

const blank = (v: unknown) => (v === '' ? undefined : v);

/**
 * The web's settings for the organization lifecycle and the security contact (merged into the
 * config schema, as the backup settings are). docs/decisions/0120 and 0124.
 */
export const lifecycleEnvSchema = {
  /** Days between an owner's deletion request and the erasure. */
  ORG_DELETION_GRACE_DAYS: z.preprocess(
    blank,
    z.coerce
      .number()
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(90, 'must be at most 90')
      .default(7),
  ),
  /** Where vulnerability reports go: on /security, in security.txt, and security contact-form messages. */
  SECURITY_CONTACT: z.preprocess(
    blank,
    z.string().trim().max(254).pipe(z.email('must be an email address')).default('support@metricflowiq.com'),
  ),
  /** Other contact-form messages; unset: the security contact gets them too. */
  SUPPORT_CONTACT: z.preprocess(blank, z.string().trim().max(254).pipe(z.email('must be an email address')).optional()),
  /** security.txt's Expires (RFC 9116: under a year ahead); unset: 180 days after the server starts. */
  SECURITY_TXT_EXPIRES: z.preprocess(
    blank,
    z.iso
      .datetime({ offset: true, error: 'must be a date and time such as 2027-06-30T00:00:00Z' })
      .refine((v) => Date.parse(v) > Date.now(), 'must be in the future')
      .optional(),
  ),
  /** The last CI run's vitest JSON report, for the evidence pack; unset: .data/ci/test-report.json. */
  TEST_REPORT_FILE: z.preprocess(blank, z.string().max(1000).optional()),
};

export interface LifecycleConfig {
  deletionGraceDays: number;
  securityContact: string;
  supportContact: string | null;
  securityTxtExpires: Date;
  testReportFile: string | undefined;
}

const SECURITY_TXT_DEFAULT_DAYS = 180;

export function lifecycleConfig(c: {
  ORG_DELETION_GRACE_DAYS: number;
  SECURITY_CONTACT: string;
  SUPPORT_CONTACT?: string | undefined;
  SECURITY_TXT_EXPIRES?: string | undefined;
  TEST_REPORT_FILE?: string | undefined;
}): LifecycleConfig {
  return {
    deletionGraceDays: c.ORG_DELETION_GRACE_DAYS,
    securityContact: c.SECURITY_CONTACT,
    supportContact: c.SUPPORT_CONTACT ?? null,
    securityTxtExpires: c.SECURITY_TXT_EXPIRES
      ? new Date(c.SECURITY_TXT_EXPIRES)
      : new Date(Date.now() + SECURITY_TXT_DEFAULT_DAYS * 86_400_000),
    testReportFile: c.TEST_REPORT_FILE,
  };
}
