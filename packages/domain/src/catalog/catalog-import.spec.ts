import { describe, expect, test } from '@jest/globals';

import {
  assertImportHeader,
  assertImportStock,
  CATALOG_IMPORT_COLUMNS,
  ImportRowError,
  InvalidImportFileError,
  parseCatalogImportRow,
} from './catalog-import.js';
import { skuRule, slugRule } from './product.js';

const good = ['mug', 'Mug', 'A mug', 'kitchen', 'MUG-RED', 'Red', '1299', 'EUR', '5'];
const withField = (i: number, v: string) => good.map((f, j) => (j === i ? v : f));

describe('parseCatalogImportRow', () => {
  test('returns the typed row with the line number', () => {
    expect(parseCatalogImportRow(good, 7, 'EUR')).toEqual({
      line: 7,
      productSlug: 'mug',
      productName: 'Mug',
      description: 'A mug',
      categorySlug: 'kitchen',
      sku: 'MUG-RED',
      variantName: 'Red',
      price: 1299,
      currency: 'EUR',
      stock: 5,
    });
  });

  test('names are counted in characters (code points), as the admin routes count them', () => {
    // 200 emoji are 400 UTF-16 units but 200 characters.
    expect(parseCatalogImportRow(withField(1, '😀'.repeat(200)), 2, 'EUR').productName).toBe(
      '😀'.repeat(200),
    );
    expect(() => parseCatalogImportRow(withField(1, '😀'.repeat(201)), 2, 'EUR')).toThrow(
      /product_name is longer than 200 characters/,
    );
    // a heart with its variation selector is two
    expect(() => parseCatalogImportRow(withField(5, '\u2764\ufe0f'.repeat(101)), 2, 'EUR')).toThrow(
      /variant_name is longer than 200 characters/,
    );
  });

  test('a limit counts the field as sent, surrounding spaces included, as the admin routes do', () => {
    const name = 'n'.repeat(200);
    expect(() => parseCatalogImportRow(withField(1, ` ${name}`), 2, 'EUR')).toThrow(
      /product_name is longer than 200 characters/,
    );
    expect(() => parseCatalogImportRow(withField(2, `${'d'.repeat(5000)} `), 2, 'EUR')).toThrow(
      /description is longer than 5000 characters/,
    );
    expect(() => parseCatalogImportRow(withField(0, ` ${'s'.repeat(120)}`), 2, 'EUR')).toThrow(
      /product_slug/,
    );
    expect(() => parseCatalogImportRow(withField(4, `${'S'.repeat(64)} `), 2, 'EUR')).toThrow(
      /sku/,
    );
    // Within the limit as sent: stored trimmed.
    const row = parseCatalogImportRow(withField(1, ` ${name.slice(1)}`), 2, 'EUR');
    expect(row).toMatchObject({ productName: name.slice(1), productSlug: 'mug', sku: 'MUG-RED' });
  });

  describe('slugs and SKUs are taken as sent, never trimmed, as the admin routes take them', () => {
    test.each([
      ['product_slug', 0, ' mug'],
      ['product_slug', 0, 'mug '],
      ['category_slug', 3, ' kitchen '],
      ['category_slug', 3, ' '],
      ['sku', 4, 'MUG-RED '],
      ['sku', 4, '\tMUG-RED'],
    ])('%s %j → refused in the routes’ words, naming the column', (column, index, value) => {
      const rule = column === 'sku' ? skuRule(column) : slugRule(column);
      expect(() => parseCatalogImportRow(withField(index, value), 2, 'EUR')).toThrow(rule);
      expect(() => parseCatalogImportRow(withField(index, value), 2, 'EUR')).toThrow(
        ImportRowError,
      );
    });
    test('the same words a JSON body is refused with, its field named', () => {
      expect(skuRule()).toBe(
        'sku must be 2-64 upper-case letters, digits or hyphens, not starting with a hyphen',
      );
      expect(slugRule('product_slug')).toMatch(/^product_slug must be lower-case letters/);
    });
  });

  test('empty category, currency and stock take their defaults', () => {
    const row = parseCatalogImportRow(
      ['mug', 'Mug', '', '', 'MUG-1', 'One', '100', '', ''],
      2,
      'EUR',
    );
    expect(row).toMatchObject({ categorySlug: null, currency: 'EUR', stock: 0 });
  });

  test.each([
    ['a zero price', withField(6, '0'), /price/],
    ['a decimal price', withField(6, '12.99'), /price must be a whole number/],
    ['another currency', withField(7, 'USD'), /currency/],
    ['a lower-case SKU', withField(4, 'mug-red'), /sku/],
    ['a bad slug', withField(0, 'Mug Red'), /product_slug/],
    ['a missing name', withField(1, ' '), /product_name is required/],
    ['negative stock', withField(8, '-1'), /stock/],
    ['too few columns', good.slice(0, 8), /expected 9 columns, found 8/],
  ])('refuses %s', (_what, fields, message) => {
    expect(() => parseCatalogImportRow(fields, 3, 'EUR')).toThrow(ImportRowError);
    expect(() => parseCatalogImportRow(fields, 3, 'EUR')).toThrow(message);
  });
});

describe('assertImportHeader', () => {
  test('accepts the documented columns in any letter case', () => {
    expect(() =>
      assertImportHeader(CATALOG_IMPORT_COLUMNS.map((c) => c.toUpperCase())),
    ).not.toThrow();
  });

  test('refuses a different header', () => {
    expect(() => assertImportHeader(['sku', 'price'])).toThrow(InvalidImportFileError);
  });
});

describe('assertImportStock', () => {
  test('accepts stock at or above what is reserved', () => {
    expect(() => assertImportStock(5, 5)).not.toThrow();
    expect(() => assertImportStock(0, 0)).not.toThrow();
    expect(() => assertImportStock(9, 2)).not.toThrow();
  });

  test('refuses stock below what is reserved, naming both', () => {
    expect(() => assertImportStock(2, 5)).toThrow(ImportRowError);
    expect(() => assertImportStock(2, 5)).toThrow(
      'stock 2 is below the 5 reserved by open orders; the variant is left unchanged',
    );
  });
});
