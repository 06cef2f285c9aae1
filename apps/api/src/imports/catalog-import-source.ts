import { Readable } from 'node:stream';

import { parse } from 'csv-parse';

export type SourceRecord =
  | { line: number; fields: string[]; error?: undefined }
  | { line: number; fields?: undefined; error: string };

/** How much of an import file the API accepts in one request. */
export const IMPORT_MAX_BYTES = 16 * 1024 * 1024;

/**
 * The records of a CSV file, streamed, each with its line number (the
 * header is line 1; a quoted field spanning lines counts its last line). A record the parser cannot read (an unclosed
 * quote) is yielded as an error so the rest of the file still goes in.
 */
export async function* sourceRecords(source: string): AsyncGenerator<SourceRecord> {
  const skipped: SourceRecord[] = [];
  const parser = Readable.from([source]).pipe(
    parse({
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      on_skip: (err) => {
        skipped.push({
          line: typeof err?.lines === 'number' ? err.lines : 0,
          error: err?.message ?? 'unreadable line',
        });
        return undefined;
      },
    }),
  );
  for await (const item of parser as AsyncIterable<{
    record: string[];
    info: { lines: number; raw?: string };
  }>) {
    while (skipped.length > 0) yield skipped.shift()!;
    // `info.lines` is where the record ends; a quoted field may span lines.
    yield { line: item.info.lines, fields: item.record };
  }
  while (skipped.length > 0) yield skipped.shift()!;
}

/** The header line, cheaply, to refuse a wrong file before it is queued. */
export function headerOf(source: string): string[] {
  const end = source.indexOf('\n');
  const first = (end === -1 ? source : source.slice(0, end)).replace(/^\uFEFF/, '').trim();
  return first === '' ? [] : first.split(',');
}
