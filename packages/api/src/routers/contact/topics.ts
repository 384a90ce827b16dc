/** The contact form's topics: shared by the schema and the page (no server imports, safe in the browser bundle). */
export const CONTACT_TOPICS = ['sales', 'security', 'support', 'privacy', 'other'] as const;
