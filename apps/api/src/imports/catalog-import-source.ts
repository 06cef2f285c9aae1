import { CsvError, parse } from 'csv-parse/sync';

export type SourceRecord =
  | { line: number; fields: string[]; error?: undefined }
  | { line: number; fields?: undefined; error: string };

/** How much of an import file the API accepts in one request. */
export const IMPORT_MAX_BYTES = 16 * 1024 * 1024;

// Named rather than discovered: the parser would take the first line's end
// as the only one, reading a later CR into the last field and a CR-only line
// end as part of the next line.
const LINE_ENDS = ['\r\n', '\n', '\r'];
const CR = 13;
const LF = 10;

/**
 * The records of a CSV file, each with its line number (the header is line
 * 1; a quoted field spanning lines counts its last line). A record the
 * parser cannot read (a stray or unclosed quote) is one error on the line
 * it begins, naming the lines it spans, and a fresh parser starts on the
 * line after it (see badRecord): left to read on, the parser takes a stray
 * quote for an opening one and may read any number of later lines into
 * that record.
 *
 * Each parser stops at its first error, and still the file is read about
 * twice at most, however many of its lines are bad: the next parser is
 * outside a quoted field on the lines the failed one read inside one (a
 * line's quotes flip both alike), so it ends a record on each of them, and
 * any error it meets there takes one line, not the rest of the file.
 */
export async function* sourceRecords(source: string): AsyncGenerator<SourceRecord> {
  const bytes = Buffer.from(source);
  const lineAt = lineCounter(bytes);
  let start = 0;
  while (start < bytes.length) {
    // The parser counts lines from where it starts.
    const linesBefore = lineAt(start) - 1;
    const read: SourceRecord[] = [];
    // Where the last record read ends (the parser's `bytes`, counting its line end).
    let end = start;
    // The parser's own count of lines at that end.
    let endLines = 0;
    let failure: unknown;
    try {
      parse(bytes.subarray(start), {
        bom: start === 0,
        record_delimiter: LINE_ENDS,
        relax_column_count: true,
        skip_empty_lines: true,
        on_record: (fields: string[], info) => {
          end = start + info.bytes;
          endLines = info.lines;
          // Counted here, not taken from the parser's `lines`: it counts a
          // CRLF inside a quoted field as two lines.
          read.push({ line: lineAt(end - 1), fields });
          return null;
        },
      });
    } catch (error) {
      failure = error;
    }
    yield* read;
    if (failure === undefined) return;
    // The parser skips empty lines before a record without moving `bytes`.
    let bad = end;
    let skipped = 0;
    while (bytes[bad] === CR || bytes[bad] === LF) {
      if (!(bytes[bad] === CR && bytes[bad + 1] === LF)) skipped++;
      bad++;
    }
    const line = lineAt(bad);
    const { lines, lastLineAt } = badRecord(bytes, bad, failure, endLines + skipped + 1);
    const span = lines > 1 ? ` (read as one record, lines ${line} to ${line + lines - 1})` : '';
    yield { line, error: messageOf(failure, linesBefore) + span };
    start = nextLine(bytes, lastLineAt);
  }
}

/**
 * How many lines the record that failed at `bad` spans, and where its last
 * line begins: up to the line the parser stopped on. A quoted field running
 * over several lines that then breaks (`"Model is 6" tall"`) is one bad
 * record; restarting on its second line would read the field's text as
 * rows. The error names the lines, so none is dropped unsaid. A quote never
 * closed, which the parser finds only at the end of the file, is cut to its
 * own line instead: nothing else would be left to read.
 */
function badRecord(
  bytes: Buffer,
  bad: number,
  failure: unknown,
  parserLineAtBad: number,
): { lines: number; lastLineAt: number } {
  const reported = (failure as { lines?: unknown } | undefined)?.lines;
  if ((failure as { code?: unknown } | undefined)?.code === 'CSV_QUOTE_NOT_CLOSED') {
    return { lines: 1, lastLineAt: bad };
  }
  if (typeof reported !== 'number') return { lines: 1, lastLineAt: bad };
  // Every line end inside the record is inside its quoted field, where the
  // parser counts a CRLF as two lines.
  const ahead = reported - parserLineAtBad;
  let lines = 1;
  let lastLineAt = bad;
  for (let counted = 0, at = bad; at < bytes.length && counted < ahead; at++) {
    if (bytes[at] !== CR && bytes[at] !== LF) continue;
    const crlf = bytes[at] === CR && bytes[at + 1] === LF;
    counted += crlf ? 2 : 1;
    if (crlf) at++;
    lines++;
    lastLineAt = at + 1;
  }
  return { lines, lastLineAt };
}

/**
 * The line of a byte offset, for offsets asked in increasing order: the
 * file's line ends are counted once, however many parsers read it.
 */
function lineCounter(bytes: Buffer): (offset: number) => number {
  let at = 0;
  let line = 1;
  return (offset) => {
    for (; at < offset; at++) {
      if (bytes[at] === LF || (bytes[at] === CR && bytes[at + 1] !== LF)) line++;
    }
    return line;
  };
}

/** Where the line after the one holding `offset` begins (past the end, if none). */
function nextLine(bytes: Buffer, offset: number): number {
  let at = offset;
  while (at < bytes.length && bytes[at] !== CR && bytes[at] !== LF) at++;
  return bytes[at] === CR && bytes[at + 1] === LF ? at + 2 : at + 1;
}

/** The parser's message, the line it names counted from the file's start, not the parser's. */
function messageOf(failure: unknown, linesBefore: number): string {
  if (!(failure instanceof CsvError)) throw failure;
  return failure.message.replace(
    /\bat line (\d+)/,
    (_, n: string) => `at line ${linesBefore + Number(n)}`,
  );
}

/**
 * The header line, cheaply, to refuse a wrong file before it is queued. A
 * spreadsheet may quote every field, the header's too: the quotes are not
 * part of the names (column names hold no comma, quote or newline).
 */
export function headerOf(source: string): string[] {
  // A file saved with CR line ends (older Mac spreadsheets) has no \n at all.
  const end = source.search(/[\r\n]/);
  const first = (end === -1 ? source : source.slice(0, end)).replace(/^\uFEFF/, '').trim();
  return first === '' ? [] : first.split(',').map((h) => h.trim().replace(/^"(.*)"$/, '$1'));
}
