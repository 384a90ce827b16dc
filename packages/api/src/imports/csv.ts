import { parse, type CsvError, type Options, type Parser } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import { AppError } from '../errors.ts';
import { MAX_COLUMNS, MAX_RECORD_BYTES } from './limits.ts';

export type Delimiter = ',' | ';' | '\t';
const DELIMITERS: Delimiter[] = [',', ';', '\t'];

/** csv-parse's options for our files: a header row, tolerant of ragged rows and blank lines, strict on quotes. */
function options(delimiter: Delimiter, onSkip?: (error: CsvError) => void): Options {
  return {
    delimiter,
    bom: true,
    trim: true,
    skip_empty_lines: true,
    relax_column_count: true,
    max_record_size: MAX_RECORD_BYTES,
    info: true,
    ...(onSkip ? { skip_records_with_error: true, on_skip: (e: CsvError | undefined) => void (e && onSkip(e)) } : {}),
  };
}

/** A streaming parser; a malformed record is passed to onSkip with its line and parsing goes on. */
export function csvStream(delimiter: Delimiter, onSkip: (error: CsvError) => void): Parser {
  return parse(options(delimiter, onSkip));
}

export function lineOf(error: CsvError): number | null {
  const lines = (error as CsvError & { lines?: unknown }).lines;
  return typeof lines === 'number' && lines > 0 ? lines : null;
}

/**
 * The header row of an upload, from its first bytes: the delimiter (the one of , ; tab that splits
 * the first line into the most cells) and the column names, which must be present and unique.
 */
export function readHeader(head: Buffer): { header: string[]; delimiter: Delimiter } {
  if (head.length === 0) throw new AppError('INVALID', 'The file is empty');
  if (head.includes(0)) throw new AppError('INVALID', 'This is not a CSV text file (it contains binary data)');
  let text = head.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
  const delimiter = DELIMITERS.map((d) => [d, firstLine.split(d).length] as const).sort((a, b) => b[1] - a[1])[0]![0];
  let header: string[];
  try {
    const rows = parseSync(text.slice(0, Math.min(text.length, MAX_RECORD_BYTES)), {
      delimiter,
      trim: true,
      to_line: 1,
      relax_column_count: true,
      skip_empty_lines: true,
    }) as string[][];
    header = rows[0] ?? [];
  } catch (error) {
    throw new AppError('INVALID', `The first row is not a valid CSV header: ${(error as Error).message.slice(0, 200)}`);
  }
  if (header.length < 2)
    throw new AppError(
      'INVALID',
      'The first row must name at least two columns (a timestamp and a value), separated by commas, semicolons or tabs',
    );
  if (header.length > MAX_COLUMNS)
    throw new AppError('INVALID', `The file has ${header.length} columns; at most ${MAX_COLUMNS} are supported`);
  const seen = new Set<string>();
  header.forEach((name, i) => {
    if (name === '')
      throw new AppError('INVALID', `Column ${i + 1} has no name in the first row: every column needs one`);
    if (name.length > 200) throw new AppError('INVALID', `Column ${i + 1}'s name is longer than 200 characters`);
    if (seen.has(name))
      throw new AppError('INVALID', `Column names must be unique: "${name}" appears twice in the first row`);
    seen.add(name);
  });
  return { header, delimiter };
}
