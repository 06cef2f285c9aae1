import { InvalidInputError, NotFoundError, RuleViolationError } from '../errors/domain-error.js';
import { codePointLength } from '../text/code-points.js';
import { normalizeWithin, trimmed } from '../text/normalized-text.js';
import { assertSku, assertSlug, variantPrice } from './product.js';

/** The columns of a catalog import file, in this order, as its header line. */
export const CATALOG_IMPORT_COLUMNS = [
  'product_slug',
  'product_name',
  'description',
  'category_slug',
  'sku',
  'variant_name',
  'price',
  'currency',
  'stock',
] as const;

export const IMPORT_NAME_MAX_LENGTH = 200;
export const IMPORT_DESCRIPTION_MAX_LENGTH = 5000;
export const IMPORT_MAX_STOCK = 1_000_000;

/** One valid line of an import file, ready to upsert. */
export interface CatalogImportRow {
  line: number;
  productSlug: string;
  productName: string;
  description: string;
  /** Null: the product has no category. */
  categorySlug: string | null;
  sku: string;
  variantName: string;
  price: number;
  currency: string;
  stock: number;
}

export class ImportNotFoundError extends NotFoundError {
  readonly code = 'IMPORT.NOT_FOUND';
  constructor(id: string) {
    super(`No import "${id}"`);
  }
}

/** The file is empty or its header is not the documented column list. */
export class InvalidImportFileError extends InvalidInputError {
  readonly code = 'IMPORT.INVALID_FILE';
}

/** A single line that cannot be imported; the rest of the file goes on. */
export class ImportRowError extends RuleViolationError {
  readonly code = 'IMPORT.INVALID_ROW';
}

export function assertImportHeader(header: readonly string[]): void {
  const expected = CATALOG_IMPORT_COLUMNS.join(',');
  if (header.map((h) => h.trim().toLowerCase()).join(',') !== expected) {
    throw new InvalidImportFileError(`The first line must be the header ${expected}`, [
      { field: 'file', message: `header must be ${expected}` },
    ]);
  }
}

/**
 * A text field as the admin routes hold it: the limit counts the value as
 * sent, surrounding spaces included, then the trimmed value that is stored
 * (the order of the API's `NormalizedText`), so a line is refused exactly
 * when the same value in a JSON body would be.
 */
function within(value: string, max: number): string {
  return normalizeWithin(value, max, trimmed);
}

function text(value: string, column: string, max: number, required: boolean): string {
  const v = within(value, max);
  // Counted as the admin routes' maxLength is, so a name either way of
  // entering the catalog has the same room (an emoji is one character).
  if (codePointLength(v) > max) {
    throw new ImportRowError(`${column} is longer than ${max} characters`);
  }
  if (required && v.length === 0) throw new ImportRowError(`${column} is required`);
  return v;
}

function wholeNumber(value: string, column: string): number {
  const v = value.trim();
  if (!/^\d{1,15}$/.test(v)) throw new ImportRowError(`${column} must be a whole number`);
  return Number(v);
}

/**
 * The stock a line sets on an existing variant, held to the rule of an admin
 * adjustment (see adjustStock): on hand may not go below what open orders
 * hold. Raising the count to the reserved amount instead would record units
 * nobody counted, and orders would ship against them.
 */
export function assertImportStock(stock: number, reserved: number): void {
  if (stock < reserved) {
    throw new ImportRowError(
      `stock ${stock} is below the ${reserved} reserved by open orders; the variant is left unchanged`,
    );
  }
}

/**
 * Checks one data line against the catalog rules (slug and SKU formats, a
 * positive price in the store currency, stock >= 0) and returns it typed;
 * throws an error whose message says what is wrong with the line.
 */
export function parseCatalogImportRow(
  fields: readonly string[],
  line: number,
  storeCurrency: string,
): CatalogImportRow {
  if (fields.length !== CATALOG_IMPORT_COLUMNS.length) {
    throw new ImportRowError(
      `expected ${CATALOG_IMPORT_COLUMNS.length} columns, found ${fields.length}`,
    );
  }
  const [slug, name, description, category, sku, variantName, price, currency, stock] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  try {
    const amount = wholeNumber(price, 'price');
    const code = currency.trim();
    const money = variantPrice(
      { amount, currency: code === '' ? storeCurrency : code.toUpperCase() },
      storeCurrency,
    );
    const onHand = stock.trim() === '' ? 0 : wholeNumber(stock, 'stock');
    if (onHand > IMPORT_MAX_STOCK)
      throw new ImportRowError(`stock must be at most ${IMPORT_MAX_STOCK}`);
    return {
      line,
      // Slugs and SKUs as sent, never trimmed: the admin routes refuse one
      // with spaces, so a file must not bring in what a JSON body could not.
      productSlug: assertSlug(slug, 'product_slug'),
      productName: text(name, 'product_name', IMPORT_NAME_MAX_LENGTH, true),
      description: text(description, 'description', IMPORT_DESCRIPTION_MAX_LENGTH, false),
      categorySlug: category === '' ? null : assertSlug(category, 'category_slug'),
      sku: assertSku(sku, 'sku'),
      variantName: text(variantName, 'variant_name', IMPORT_NAME_MAX_LENGTH, true),
      price: money.amount,
      currency: money.currency,
      stock: onHand,
    };
  } catch (error) {
    if (error instanceof ImportRowError) throw error;
    if (error instanceof Error) throw new ImportRowError(error.message);
    throw error;
  }
}
