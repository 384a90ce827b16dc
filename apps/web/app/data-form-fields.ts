/** The input name of a data form's field on the public page (shared by the page and its action). */
export const fieldName = (id: string) => `field-${id}`;
