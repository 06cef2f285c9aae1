import { Readable } from 'node:stream';

import { parse } from 'csv-parse';

export type SourceRecord =
  | { line: number; fields: string[]; error?: undefined }
  | { line: number; fields?: undefined; error: string };

/** How much of an import file the API accepts in one request. */
export const IMPORT_MAX_BYTES = 16 * 1024 * 1024;

/**
 * The records of a CSV file, streamed, each with its line number (the
 * header is line 1; a quoted field spanning lines counts its last line). A
 * record the parser cannot read is yielded as an error and the parser
 * reads on. (After some stray quotes, `"A"x` say, it reads on as if inside
 * a quoted field, and may take later lines into that record.)
 */
export async function* sourceRecords(source: string): AsyncGenerator<SourceRecord> {
  const skipped: SourceRecord[] = [];
  let lastRefused = -1;
  const parser = Readable.from([source]).pipe(
    parse({
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      on_skip: (err) => {
        const line = typeof err?.lines === 'number' ? err.lines : 0;
        // The parser resumes inside the line it refused and may refuse the
        // rest of it again: one unreadable line is one error.
        if (line === lastRefused) return undefined;
        lastRefused = line;
        skipped.push({ line, error: err?.message ?? 'unreadable line' });
        return undefined;
      },
    }),
  );
  for await (const item of parser as AsyncIterable<{
    record: string[];
    info: { lines: number; raw?: string };
  }>) {
    // The parser reads ahead of this loop, so errors of later lines may
    // already be here: only those before the record go first (an error
    // yielded before the header would fail the file as a wrong header).
    while (skipped.length > 0 && skipped[0]!.line < item.info.lines) yield skipped.shift()!;
    // `info.lines` is where the record ends; a quoted field may span lines.
    yield { line: item.info.lines, fields: item.record };
  }
  while (skipped.length > 0) yield skipped.shift()!;
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
