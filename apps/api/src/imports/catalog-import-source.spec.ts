import { describe, expect, test } from '@jest/globals';

import { type SourceRecord, sourceRecords } from './catalog-import-source.js';

const HEADER = 'product_slug,product_name,sku';
const product = (n: number) => `p-${n},Product ${n},SKU-${n}`;

async function read(source: string): Promise<SourceRecord[]> {
  const records: SourceRecord[] = [];
  for await (const record of sourceRecords(source)) records.push(record);
  return records;
}

/** Each record as its line and either its first field or `error`. */
async function outline(source: string): Promise<[number, string][]> {
  return (await read(source)).map((r) => [r.line, r.error === undefined ? r.fields[0]! : 'error']);
}

/** A header and products on lines 2 to 10, line 3 replaced by `bad`. */
const tenLines = (bad: string, eol = '\n') =>
  [HEADER, ...Array.from({ length: 9 }, (_, i) => (i === 1 ? bad : product(i + 2)))].join(eol) +
  eol;

const expectedTen: [number, string][] = [
  [1, 'product_slug'],
  [2, 'p-2'],
  [3, 'error'],
  ...Array.from({ length: 7 }, (_, i): [number, string] => [i + 4, `p-${i + 4}`]),
];

describe('sourceRecords', () => {
  test.each([
    ['a stray quote after a closing one', 'p-3,"A"x,SKU-3'],
    ['a quote inside an unquoted field', 'p-3,A"x,SKU-3'],
    ['a quote never closed', 'p-3,"A,SKU-3'],
  ])('%s on line 3 is one error there; the lines after it are read', async (_, bad) => {
    expect(await outline(tenLines(bad))).toEqual(expectedTen);
  });

  test('quoted fields after the stray quote do not put the reading out of step', async () => {
    const lines = tenLines('p-3,"A"x,SKU-3').replace(/Product (\d+)/g, '"Product $1"');
    expect(await outline(lines)).toEqual(expectedTen);
  });

  test('with CRLF line ends', async () => {
    const records = await read(tenLines('p-3,"A"x,SKU-3', '\r\n'));
    expect(records.map((r) => [r.line, r.fields?.[0] ?? 'error'])).toEqual(expectedTen);
    expect(records[9]).toEqual({ line: 10, fields: ['p-10', 'Product 10', 'SKU-10'] });
  });

  test('with LF, CRLF and CR line ends mixed, each line is a record of its own', async () => {
    const source = [HEADER, '\n', product(2), '\r\n', 'p-3,"A"x,SKU-3', '\r', product(4)];
    source.push('\r\n', product(5), '\n', product(6), '\r', product(7), '\r\n');
    const records = await read(source.join(''));
    expect(records.map((r) => [r.line, r.fields?.[0] ?? 'error'])).toEqual(expectedTen.slice(0, 7));
    // No CR left in a last field.
    expect(records.slice(1).flatMap((r) => r.fields?.[2] ?? [])).toEqual(
      [2, 4, 5, 6, 7].map((n) => `SKU-${n}`),
    );
  });

  test('a quoted field spanning lines is one record with its last line, whatever the line ends', async () => {
    const source = `${HEADER}\r\np-2,"Two\r\nlines\nand\rmore",SKU-2\r\n\n${product(4)}\n`;
    expect(await read(source)).toEqual([
      { line: 1, fields: HEADER.split(',') },
      { line: 5, fields: ['p-2', 'Two\r\nlines\nand\rmore', 'SKU-2'] },
      { line: 7, fields: ['p-4', 'Product 4', 'SKU-4'] },
    ]);
  });

  test('the error names the line the bad record begins on, past empty lines, in its message too', async () => {
    const source = [HEADER, product(2), '', '', 'p-5,"A"x,SKU-5', product(6)].join('\r\n');
    const records = await read(source);
    expect(records.map((r) => r.line)).toEqual([1, 2, 5, 6]);
    expect(records[2]!.error).toMatch(/^Invalid Closing Quote: got "x" at line 5 /);
  });

  test('a quote left open on line 2 and met on line 3: one error naming both, reading goes on from line 4', async () => {
    const source = [HEADER, 'p-2,"A', 'p-3,"B"x,SKU-3', product(4)].join('\n');
    const records = await read(source);
    expect(records.map((r) => [r.line, r.fields?.[0] ?? 'error'])).toEqual([
      [1, 'product_slug'],
      [2, 'error'],
      [4, 'p-4'],
    ]);
    expect(records[1]!.error).toMatch(/ at line 3 .*read as one record, lines 2 to 3\)$/);
  });

  test('a BOM is not part of the header; a bad header is an error on line 1', async () => {
    expect(await read(`\uFEFF${HEADER}\n${product(2)}`)).toEqual([
      { line: 1, fields: HEADER.split(',') },
      { line: 2, fields: ['p-2', 'Product 2', 'SKU-2'] },
    ]);
    expect(await outline(`\uFEFF"a"x,b\n${product(2)}\n`)).toEqual([
      [1, 'error'],
      [2, 'p-2'],
    ]);
  });

  test.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
  ])(
    'a quoted field over several lines that breaks is one error naming its lines (%s)',
    async (_, eol) => {
      const source = [
        HEADER,
        product(2),
        'p-3,Boots,"Soft leather.',
        'p-4,Injected,SKU-4',
        'Model is 6" tall",SKU-3',
        product(6),
      ].join(eol);
      const records = await read(`${source}${eol}`);
      expect(records.map((r) => [r.line, r.fields?.[0] ?? 'error'])).toEqual([
        [1, 'product_slug'],
        [2, 'p-2'],
        [3, 'error'],
        [6, 'p-6'],
      ]);
      expect(records[2]!.error).toMatch(/read as one record, lines 3 to 5\)$/);
    },
  );

  test('a file of many bad lines, some leaving a quote open, among good ones: every line is a record or named by an error', async () => {
    // Each line leaving a quote open is followed, a good line on, by one the
    // open quote meets wrongly.
    const cycle = [
      'p,"A"x,S',
      'p,A"x,S',
      'p,"A,S',
      'p,"A"x,S',
      '"',
      'p,A"x,S',
      'p,"A""',
      'p,"A"" x,"S',
    ];
    const eols = ['\n', '\r\n', '\r'];
    const expected: [number, string][] = [[1, 'product_slug']];
    let source = `${HEADER}\n`;
    for (let i = 0; i < 16_000; i++) {
      const good = i % 2 === 1;
      source += (good ? product(i) : cycle[(i / 2) % cycle.length]!) + eols[i % eols.length]!;
      expected.push([i + 2, good ? `p-${i}` : 'error']);
    }
    const records = await read(source);
    // Each line once: read as a record, or within the lines an error names.
    const covered = records.flatMap((r) => {
      const span = r.error?.match(/lines (\d+) to (\d+)\)$/);
      if (!span) return [r.line];
      const [from, to] = [Number(span[1]), Number(span[2])];
      return Array.from({ length: to - from + 1 }, (_, i) => from + i);
    });
    expect(covered).toEqual(expected.map(([line]) => line));
    // Good lines not inside a bad record are read as themselves.
    const read_ = new Map(
      records.map((r) => [r.line, r.error === undefined ? r.fields[0] : 'error']),
    );
    for (const [line, first] of expected) {
      if (read_.has(line) && first !== 'error') expect(read_.get(line)).toBe(first);
    }
    expect(records.filter((r) => r.error === undefined).length).toBeGreaterThan(4_000);
  });
});
