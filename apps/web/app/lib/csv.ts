/**
 * One CSV cell: quoted when needed; text a spreadsheet would run as a formula (=, +, -, @, tab,
 * CR at the start) is prefixed with an apostrophe, since names and values come from users. A
 * number is written as is: it cannot be a formula, and "-35" must stay a number.
 */
export function csvCell(value: unknown): string {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  let text =
    value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const csvRow = (cells: unknown[]) => cells.map(csvCell).join(',');
