/**
 * The client-safe face of @mfiq/api (`@mfiq/api/shared`): the vocabularies and the zod input schemas
 * that pages share with the procedures, so a form and its procedure parse the same way. Everything
 * reachable from here must run in a browser: `client-safe.test.ts` walks the imports.
 */
export * from './constants.ts';
export {
  completeSignUpInput,
  requestResetInput,
  resetPasswordInput,
  signInInput,
  signUpInput,
  twoFactorSignInInput,
} from '../routers/auth/schemas.ts';
export {
  changePasswordInput,
  confirmTwoFactorInput,
  reauthenticateInput,
  revokeSessionInput,
} from '../routers/account/schemas.ts';
export { signUpAndAcceptInput } from '../routers/invitations/schemas.ts';
export { contactInput } from '../routers/contact/schemas.ts';
export {
  createFormInput,
  fieldInput as dataFormFieldInput,
  submitInput as dataFormSubmitInput,
  updateFormInput,
} from '../routers/forms/schemas.ts';
export {
  changeSlugInput,
  createOrganizationInput,
  requestDeletionInput,
  updateOrganizationInput,
} from '../routers/org/schemas.ts';
export { updatePolicyInput } from '../routers/security/schemas.ts';
export { retentionInput } from '../routers/retention/schemas.ts';
export { createApiKeyInput, revokeApiKeyInput } from '../routers/apiKeys/schemas.ts';
export { metricForm } from '../routers/metrics/schemas.ts';
export { createTargetInput, targetIdSchema } from '../routers/targets/schemas.ts';
export { inviteInput, memberChangeForm } from '../routers/members/schemas.ts';
export {
  addTileInput,
  createDashboardInput,
  createFromTemplateInput,
  grainSchema,
  rangeSchema,
  reorderTilesInput,
  tileIdSchema,
  updateDashboardInput,
  updateTileInput,
} from '../routers/dashboards/schemas.ts';
export { mappingSchema as importMappingInput } from '../routers/imports/schemas.ts';
export { exportInput as auditExportInput } from '../routers/audit/schemas.ts';
export { createShareLinkInput, shareLinkIdSchema } from '../routers/shares/schemas.ts';
export { annotationIdSchema, createAnnotationInput } from '../routers/annotations/schemas.ts';
export { RULE_KINDS } from '../alerts/conditions.ts';
export {
  acknowledgeInput,
  channelIdSchema,
  channelInput,
  createRuleInput,
  previewInput,
  ruleIdSchema,
  unmuteInput,
} from '../routers/alerts/schemas.ts';
export { DIGESTS, notificationIdSchema, updateSettingsInput } from '../routers/notifications/schemas.ts';
