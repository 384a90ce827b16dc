export {
  ARGON2_PARAMS,
  DUMMY_PASSWORD_HASH,
  hashPassword,
  verifyPassword,
  passwordNeedsRehash,
  verifyPasswordAgainstDummy,
  parseArgon2Hash,
  type Argon2HashParams,
} from './password.ts';
export {
  passwordPolicyError,
  BREACHED_PASSWORD_MESSAGE,
  PASSWORD_MIN_LENGTH,
  PASSWORD_MAX_LENGTH,
} from './password-policy.ts';
export {
  createAuth,
  validatedFromRow,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_ABSOLUTE_LIFETIME_MS,
  SLIDE_INTERVAL_MS,
  type Auth,
  type AuthOptions,
  type ValidatedSession,
} from './sessions.ts';
export { sessionTokenHash } from './token.ts';
export type { SessionInfo, SessionUser, SessionMeta } from './types.ts';
export {
  createSecretBox,
  generateAppKey,
  parseAppKey,
  SecretBoxError,
  type SecretBox,
  type MacPurpose,
} from './secret-box.ts';
export { generateTotpSecret, totpUri, totpCode, totpStep, verifyTotp } from './totp.ts';
export {
  generateOneTimeToken,
  oneTimeTokenHash,
  generateRecoveryCodes,
  normalizeRecoveryCode,
  recoveryCodeHash,
  legacyRecoveryCodeDigest,
  upgradeRecoveryDigest,
  looksLikeRecoveryCode,
} from './one-time.ts';
