/** Messages more than one layer shows, word for word (the pages match some of them). */
export const ORGANIZATION_LOCKED =
  'This organization is locked by the service operators. Contact support to have it unlocked.';
