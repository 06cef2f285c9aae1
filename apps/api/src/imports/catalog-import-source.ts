import { parse } from 'csv-parse/sync';

export type SourceRecord =
  | { line: number; fields: string[]; error?: undefined }
  | { line: number; fields?: undefined; error: string };

/** How much of an import file the API accepts in one request. */
export const IMPORT_MAX_BYTES = 16 * 1024 * 1024;

/**
 * The records of a CSV file, streamed, each with its line number (the
 * header is line 1; a quoted field spanning lines counts its last line).
 * A record the parser cannot read (a stray or unclosed quote) is yielded as
 * an error on the line it begins, and reading starts again on the line
 * after it, so the rest of the file still goes in: left to itself, the
 * parser carries on after such an error as if inside a quoted field, and
 * can read every later line into it.
 */
export async function* sourceRecords(source: string): AsyncGenerator<SourceRecord> {
  let offset = 0;
  // Lines before `offset`; then the line the last record or error ended on.
  let linesBefore = 0;
  let lastLine = 0;
  for (;;) {
    // Records are taken as the parser reads them: a failure ends its run,
    // and those read before it must not be lost with it.
    const read: { line: number; fields: string[] }[] = [];
    let failure: unknown;
    try {
      parse(offset === 0 ? source : source.slice(offset), {
        bom: offset === 0,
        relax_column_count: true,
        skip_empty_lines: true,
        // `lines` is where the record ends; a quoted field may span lines.
        on_record: (fields: string[], { lines }) => {
          read.push({ line: linesBefore + lines, fields });
          return null;
        },
      });
    } catch (error) {
      failure = error;
    }
    for (const record of read) {
      lastLine = record.line;
      yield record;
    }
    if (failure === undefined) return;
    // The record that failed begins on the first line after the last one
    // read that is not blank (the parser skips blank lines). Lines are
    // counted on from this run's start, so a file of many such records is
    // still read once over.
    const failed = firstNonBlankLine(source, offset, linesBefore + 1, lastLine + 1);
    if (failed === undefined) return;
    yield { line: failed.line, error: messageOf(failure, linesBefore) };
    const next = nextLine(source, failed.start);
    if (next === undefined) return;
    offset = next;
    linesBefore = failed.line;
    lastLine = failed.line;
  }
}

/**
 * The parser's message, its line numbers made the file's (it counts from
 * where this run began); an unclosed quote is named where it opens, not at
 * the end of the file where the parser gives up on it.
 */
function messageOf(failure: unknown, linesBefore: number): string {
  if (!(failure instanceof Error)) return 'unreadable line';
  if ((failure as { code?: unknown }).code === 'CSV_QUOTE_NOT_CLOSED') {
    return 'Quote Not Closed: a quote opened on this line is never closed';
  }
  return failure.message.replace(
    /\bat line (\d+)/g,
    (_, n: string) => `at line ${linesBefore + Number(n)}`,
  );
}

/** Where the line starting at `start` ends: its line break (\n, \r\n or \r), or the end. */
function lineEnd(source: string, start: number): number {
  for (let i = start; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (c === 10 || c === 13) return i;
  }
  return source.length;
}

/** Where the line after the one starting at `start` begins, or undefined past the end. */
function nextLine(source: string, start: number): number | undefined {
  const end = lineEnd(source, start);
  const next = source.startsWith('\r\n', end) ? end + 2 : end + 1;
  return next >= source.length ? undefined : next;
}

/**
 * The first line from `line` on that holds more than white space, and where
 * it starts, counting from `start`, where line `startLine` begins.
 */
function firstNonBlankLine(
  source: string,
  start: number,
  startLine: number,
  line: number,
): { line: number; start: number } | undefined {
  let at: number | undefined = start;
  for (let n = startLine; at !== undefined; n++, at = nextLine(source, at)) {
    if (n >= line && source.slice(at, lineEnd(source, at)).trim() !== '') {
      return { line: n, start: at };
    }
  }
  return undefined;
}

/**
 * The header line, cheaply, to refuse a wrong file before it is queued. A
 * spreadsheet may quote every field, the header's too: the quotes are not
 * part of the names (column names hold no comma, quote or newline).
 */
export function headerOf(source: string): string[] {
  // A file saved with CR line ends (older Mac spreadsheets) has no \n at all.
  const first = source
    .slice(0, lineEnd(source, 0))
    .replace(/^\uFEFF/, '')
    .trim();
  return first === '' ? [] : first.split(',').map((h) => h.trim().replace(/^"(.*)"$/, '$1'));
}
