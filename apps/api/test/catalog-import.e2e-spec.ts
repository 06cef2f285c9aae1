import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { DataSource } from 'typeorm';

import { ABANDONED, AbandonedImports } from '../src/imports/abandoned-imports.js';
import { CatalogImportHandler } from '../src/imports/catalog-import.handler.js';
import { CatalogImportProcessor } from '../src/imports/catalog-import.processor.js';
import { CatalogImportService } from '../src/imports/catalog-import.service.js';
import { IMPORT_MAX_BYTES } from '../src/imports/catalog-import-source.js';
import { CatalogUpsertRepository } from '../src/imports/persistence/catalog-upsert.repository.js';
import { ImportRepository } from '../src/imports/persistence/import.repository.js';
import { TransactionRunner } from '../src/infrastructure/database/transaction-runner.js';
import { JobsOptions } from '../src/jobs/jobs.options.js';
import { aProductBody } from './support/catalog.js';
import { fastJobsOptions, waitFor } from './support/jobs-probe.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { aCustomer, anAdmin, type TestUser } from './support/users.js';

const API = '/api/v1';
/** A CSV field quoted, its quotes doubled. */
const csvField = (value: string) => `"${value.replace(/"/g, '""')}"`;

const HEADER =
  'product_slug,product_name,description,category_slug,sku,variant_name,price,currency,stock';

/**
 * `rows` data lines: products of four variants each. Line n of the file is
 * data row n - 2 (the header is line 1). `bad` replaces chosen lines.
 */
function csv(rows: number, bad: Record<number, string> = {}, prefix = 'imp'): string {
  const lines = [HEADER];
  for (let i = 0; i < rows; i++) {
    const line = i + 2;
    const p = Math.floor(i / 4);
    lines.push(
      bad[line] ??
        `${prefix}-product-${p},"Product ${p}, imported","Made for the ""import"" test",tools,${prefix.toUpperCase()}-${i},Variant ${i % 4},${100 + (i % 50)},EUR,${i % 7}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

describe('catalog import', () => {
  let t: TestApp;
  let admin: TestUser;
  let customer: TestUser;
  let ds: DataSource;

  beforeAll(async () => {
    t = await startTestApp({
      override: (b) => b.overrideProvider(JobsOptions).useValue(fastJobsOptions()),
    });
    admin = await anAdmin(t);
    customer = await aCustomer(t);
    ds = t.get(DataSource);
    await ds.query("INSERT INTO categories (slug, name) VALUES ('tools', 'Tools')");
  });
  afterAll(() => t.close());

  const upload = (body: string | Buffer, who: TestUser = admin) =>
    t.http.post(`${API}/admin/imports`).set(who.auth).set('Content-Type', 'text/csv').send(body);
  const finished = (id: string) =>
    waitFor(
      async () => {
        const res = await t.http.get(`${API}/admin/imports/${id}`).set(admin.auth);
        expect(res.status).toBe(200);
        const body = res.body as { status: string };
        return body.status === 'completed' || body.status === 'failed' ? res.body : undefined;
      },
      'the import to finish',
      60_000,
    );
  const count = async (sql: string) => Number((await ds.query(sql))[0].n);
  /** Imports `lines` under the header; the message of each refused one, by its index in `lines`. */
  const refusedLines = async (lines: string[]) => {
    const done = (await finished((await upload([HEADER, ...lines].join('\n'))).body.id)) as {
      errors: { line: number; message: string }[];
    };
    return new Map(done.errors.map((e) => [e.line - 2, e.message]));
  };

  test('POST /admin/imports → 202; 10,000 rows with 3 bad ones: 9,997 in, errors by line; re-import adds nothing', async () => {
    const file = csv(10_000, {
      101: 'imp-product-24,Product 24,,tools,IMP-99,Variant 3,0,EUR,1',
      5002: 'imp-product-1250,Product 1250,,tools,imp-lower,Variant,120,EUR,1',
      9999: 'imp-product-2499,Product 2499,,no-such-category,IMP-9997,Variant 1,120,EUR,1',
    });
    const res = await upload(file);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      status: 'queued',
      processed: 0,
      createdAt: expect.any(String),
    });
    // Where its progress is read.
    expect(res.headers.location).toBe(`${API}/admin/imports/${res.body.id}`);

    const done = (await finished(res.body.id)) as Record<string, unknown>;
    expect(done).toMatchObject({
      status: 'completed',
      totalRows: 10_000,
      processed: 10_000,
      succeeded: 9_997,
      failed: 3,
      failureReason: null,
    });
    const errors = done.errors as { line: number; message: string }[];
    expect(errors.map((e) => e.line)).toEqual([101, 5002, 9999]);
    expect(errors[0]!.message).toMatch(/price/);
    expect(errors[1]!.message).toMatch(/sku/);
    expect(errors[2]!.message).toMatch(/unknown category_slug no-such-category/);

    expect(await count("SELECT count(*) AS n FROM variants WHERE sku LIKE 'IMP-%'")).toBe(9_997);
    expect(await count("SELECT count(*) AS n FROM products WHERE slug LIKE 'imp-product-%'")).toBe(
      2_500,
    );
    const [mug] = await ds.query(
      "SELECT p.name, p.description, p.min_price, p.max_price, v.price, v.on_hand FROM variants v JOIN products p ON p.id = v.product_id WHERE v.sku = 'IMP-5'",
    );
    expect(mug).toMatchObject({
      name: 'Product 1, imported',
      description: 'Made for the "import" test',
      price: '105',
      on_hand: 5,
    });

    // The public catalog sees it (the cache was invalidated after the batches).
    const pub = await t.http.get(`${API}/products/imp-product-1`);
    expect(pub.status).toBe(200);
    expect(pub.body.variants).toHaveLength(4);

    const again = await upload(file);
    const second = (await finished(again.body.id)) as Record<string, unknown>;
    expect(second).toMatchObject({ status: 'completed', succeeded: 9_997, failed: 3 });
    expect(await count("SELECT count(*) AS n FROM variants WHERE sku LIKE 'IMP-%'")).toBe(9_997);
    expect(await count("SELECT count(*) AS n FROM products WHERE slug LIKE 'imp-product-%'")).toBe(
      2_500,
    );
    // Same stock as before: the second run records no movement.
    expect(
      await count(
        "SELECT count(*) AS n FROM stock_movements m JOIN variants v ON v.id = m.variant_id WHERE v.sku = 'IMP-5'",
      ),
    ).toBe(1);
  }, 120_000);

  test('a changed file updates price, stock and names; a SKU of another product and a repeated SKU are refused', async () => {
    const first = await upload(csv(8, {}, 'upd'));
    await finished(first.body.id);
    const file = [
      HEADER,
      'upd-product-0,Renamed,,tools,UPD-0,Zero,999,EUR,50',
      'upd-product-1,Product 1,,,UPD-1,Moved,120,EUR,1',
      'upd-product-1,Product 1,,,UPD-6,Six,120,EUR,1',
      'upd-product-1,Product 1,,,UPD-6,Six again,130,EUR,1',
    ].join('\n');
    const res = await upload(file);
    const done = (await finished(res.body.id)) as { errors: { line: number; message: string }[] };
    expect(done).toMatchObject({ succeeded: 2, failed: 2 });
    expect(done.errors).toEqual([
      { line: 3, message: 'sku UPD-1 belongs to another product' },
      { line: 5, message: 'sku UPD-6 already appears on line 4' },
    ]);
    const [zero] = await ds.query(
      "SELECT v.price, v.on_hand, p.name, p.min_price FROM variants v JOIN products p ON p.id = v.product_id WHERE sku = 'UPD-0'",
    );
    expect(zero).toMatchObject({ price: '999', on_hand: 50, name: 'Renamed' });
  }, 60_000);

  test('a line refused for a SKU of another product creates or renames no product', async () => {
    const first = await upload(csv(8, {}, 'own'));
    await finished(first.body.id);
    const file = [
      HEADER,
      'own-ghost,Ghost,,,OWN-0,Zero,100,EUR,1',
      'own-product-1,Hijacked,,,OWN-2,Two,100,EUR,1',
      'own-product-0,Product 0,,tools,OWN-1,One,100,EUR,1',
    ].join('\n');
    const res = await upload(file);
    const done = (await finished(res.body.id)) as { errors: { line: number; message: string }[] };
    expect(done).toMatchObject({ succeeded: 1, failed: 2 });
    expect(done.errors).toEqual([
      { line: 2, message: 'sku OWN-0 belongs to another product' },
      { line: 3, message: 'sku OWN-2 belongs to another product' },
    ]);
    // No product without variants, listed with a price of 0.
    expect(await count("SELECT count(*) AS n FROM products WHERE slug = 'own-ghost'")).toBe(0);
    await t.http.get(`${API}/products/own-ghost`).expect(404);
    const [kept] = await ds.query("SELECT name FROM products WHERE slug = 'own-product-1'");
    expect(kept).toEqual({ name: 'Product 1, imported' });
  }, 60_000);

  test('a line whose stock is below what open orders hold is refused, its variant unchanged; the rest of its batch goes in', async () => {
    const processor = t.get(CatalogImportProcessor);
    const service = t.get(CatalogImportService);
    await processor.run((await service.record(csv(4, {}, 'rsv'), admin.id)).id);
    // What open orders would hold of RSV-1 and RSV-2.
    await ds.query("UPDATE variants SET on_hand = 8, reserved = 6 WHERE sku = 'RSV-1'");
    await ds.query("UPDATE variants SET on_hand = 4, reserved = 2 WHERE sku = 'RSV-2'");
    const movements = () =>
      count(
        "SELECT count(*) AS n FROM stock_movements m JOIN variants v ON v.id = m.variant_id WHERE v.sku = 'RSV-1'",
      );
    const movementsBefore = await movements();
    const file = [
      HEADER,
      'rsv-product-0,Renamed,,tools,RSV-0,Zero,200,EUR,3',
      'rsv-product-0,Renamed,,tools,RSV-1,One,200,EUR,5',
      'rsv-product-0,Renamed,,tools,RSV-2,Two,200,EUR,2',
    ].join('\n');
    const created = await service.record(file, admin.id);
    await processor.run(created.id);
    const done = await service.get(created.id);
    expect(done).toMatchObject({ status: 'completed', succeeded: 2, failed: 1 });
    expect(done.errors).toEqual([
      {
        line: 3,
        message: 'stock 5 is below the 6 reserved by open orders; the variant is left unchanged',
      },
    ]);
    const variants: { sku: string; name: string; price: string; on_hand: number }[] =
      await ds.query(
        "SELECT sku, name, price, on_hand FROM variants WHERE sku LIKE 'RSV-%' ORDER BY sku",
      );
    expect(variants).toEqual([
      { sku: 'RSV-0', name: 'Zero', price: '200', on_hand: 3 },
      // Not raised to the reserved 6, nor renamed or repriced: the line is skipped whole.
      { sku: 'RSV-1', name: 'Variant 1', price: '101', on_hand: 8 },
      // Down to exactly what is reserved is allowed, as for an admin adjustment.
      { sku: 'RSV-2', name: 'Two', price: '200', on_hand: 2 },
      { sku: 'RSV-3', name: 'Variant 3', price: '103', on_hand: 3 },
    ]);
    expect(await movements()).toBe(movementsBefore);
  }, 60_000);

  test('a SKU another writer creates after the check: its line creates or renames no product', async () => {
    const other = (
      await t.http
        .post(`${API}/admin/products`)
        .set(admin.auth)
        .send(aProductBody({ name: 'Raced Owner' }))
        .expect(201)
    ).body as { id: string };
    const file = [HEADER, 'raced-ghost,Ghost,,,RACED-1,One,100,EUR,1'].join('\n');
    const created = await t.get(CatalogImportService).record(file, admin.id);
    // The import waits, inserting its product (after its SKU check), on a
    // lock this test holds; meanwhile an admin gives that SKU to another product.
    await ds.query(`CREATE FUNCTION raced_gate() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_advisory_xact_lock(424242); RETURN NEW; END $$`);
    await ds.query(`CREATE TRIGGER raced_gate BEFORE INSERT ON products FOR EACH ROW
      WHEN (NEW.slug = 'raced-ghost') EXECUTE FUNCTION raced_gate()`);
    const gate = ds.createQueryRunner();
    await gate.connect();
    try {
      await gate.query('SELECT pg_advisory_lock(424242)');
      const imported = t.get(CatalogImportProcessor).run(created.id);
      await waitFor(
        async () =>
          (await count(
            "SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = 424242 AND NOT granted",
          )) > 0 || undefined,
        'the import to wait on the gate',
      );
      await t.http
        .post(`${API}/admin/products/${other.id}/variants`)
        .set(admin.auth)
        .send({ sku: 'RACED-1', name: 'Taken', price: { amount: 500, currency: 'EUR' } })
        .expect(201);
      await gate.query('SELECT pg_advisory_unlock(424242)');
      await imported;
    } finally {
      await gate.release();
      await ds.query('DROP TRIGGER raced_gate ON products');
      await ds.query('DROP FUNCTION raced_gate()');
    }
    const done = await t.get(CatalogImportService).get(created.id);
    expect(done).toMatchObject({ status: 'completed', succeeded: 0, failed: 1 });
    expect(done.errors).toEqual([{ line: 2, message: 'sku RACED-1 belongs to another product' }]);
    // No product without variants, listed with a price of 0.
    expect(await count("SELECT count(*) AS n FROM products WHERE slug = 'raced-ghost'")).toBe(0);
  }, 60_000);

  test('a file with a BOM, CRLF line ends and every field quoted, the header too, goes in', async () => {
    const quoted = (fields: string[]) => fields.map(csvField).join(',');
    const file = [
      quoted(HEADER.split(',')),
      quoted([
        'quoted-product',
        'Quoted, "really"',
        'Two\r\nlines',
        'tools',
        'QUOTED-1',
        'One',
        '100',
        'EUR',
        '3',
      ]),
    ].join('\r\n');
    const res = await upload(`\uFEFF${file}\r\n`);
    expect(res.status).toBe(202);
    expect(await finished(res.body.id)).toMatchObject({ succeeded: 1, failed: 0 });
    const [row] = await ds.query(
      "SELECT name, description FROM products WHERE slug = 'quoted-product'",
    );
    expect(row).toEqual({ name: 'Quoted, "really"', description: 'Two\r\nlines' });
  }, 60_000);

  test('a name is held to 200 characters as sent, spaces included, as POST /admin/products holds it', async () => {
    const HEART = '\u2764\ufe0f'; // two code points
    const cases = [
      { what: '200 letters', name: 'n'.repeat(200), accepted: true },
      {
        what: '199 letters and a space (200 as sent)',
        name: `${'n'.repeat(199)} `,
        accepted: true,
      },
      {
        what: '200 letters and a leading space (201)',
        name: ` ${'n'.repeat(200)}`,
        accepted: false,
      },
      { what: '100 ❤️ and a trailing space (201)', name: `${HEART.repeat(100)} `, accepted: false },
      {
        what: '200 letters, a space each side (202)',
        name: ` ${'n'.repeat(200)} `,
        accepted: false,
      },
    ];
    const refusedByImport = await refusedLines(
      cases.map(
        (c, i) =>
          `len-import-${i},${csvField(c.name)},,,LEN-IMPORT-${i},${csvField(c.name)},100,EUR,1`,
      ),
    );

    for (const [i, c] of cases.entries()) {
      const product = await t.http
        .post(`${API}/admin/products`)
        .set(admin.auth)
        .send(aProductBody({ name: c.name, slug: `len-api-${i}` }));
      const variant = await t.http
        .post(`${API}/admin/products`)
        .set(admin.auth)
        .send(
          aProductBody({
            slug: `len-api-variant-${i}`,
            variants: [
              { sku: `LEN-API-${i}`, name: c.name, price: { amount: 100, currency: 'EUR' } },
            ],
          }),
        );
      const verdicts = {
        what: c.what,
        api: [product.status, variant.status],
        import: refusedByImport.get(i) ?? 'accepted',
      };
      expect(verdicts).toEqual({
        what: c.what,
        api: c.accepted ? [201, 201] : [400, 400],
        import: c.accepted
          ? 'accepted'
          : expect.stringMatching(/^(product_name|variant_name) is longer than 200 characters$/),
      });
    }
    // Within the limit as sent, the import stores the name trimmed.
    const [stored] = await ds.query(
      "SELECT p.name, v.name AS variant FROM products p JOIN variants v ON v.product_id = p.id WHERE v.sku = 'LEN-IMPORT-1'",
    );
    expect(stored).toEqual({ name: 'n'.repeat(199), variant: 'n'.repeat(199) });
  }, 60_000);

  test('a slug or SKU with spaces is refused as POST /admin/products refuses it, naming the line and the field', async () => {
    const cases = [
      { what: 'a clean slug and SKU', slug: 'sp-ok', sku: 'SP-OK', accepted: true },
      {
        what: 'a slug with a leading space',
        slug: ' sp-lead',
        sku: 'SP-LEAD',
        field: 'product_slug',
      },
      {
        what: 'a slug with a trailing space',
        slug: 'sp-trail ',
        sku: 'SP-TRAIL',
        field: 'product_slug',
      },
      {
        what: 'a SKU with a trailing space',
        slug: 'sp-sku-trail',
        sku: 'SP-SKU-TRAIL ',
        field: 'sku',
      },
      {
        what: 'a SKU with spaces each side',
        slug: 'sp-sku-both',
        sku: ' SP-SKU-BOTH ',
        field: 'sku',
      },
    ];
    const refusedByImport = await refusedLines(
      cases.map((c) => `${csvField(c.slug)},Spaced,,,${csvField(c.sku)},One,100,EUR,1`),
    );

    for (const [i, c] of cases.entries()) {
      const api = await t.http
        .post(`${API}/admin/products`)
        .set(admin.auth)
        .send(
          aProductBody({
            slug: c.slug.replace('sp-', 'sp-api-'),
            variants: [
              {
                sku: c.sku.replace('SP-', 'SP-API-'),
                name: 'One',
                price: { amount: 100, currency: 'EUR' },
              },
            ],
          }),
        );
      const apiMessage = (api.body.errors as { message: string }[] | undefined)?.[0]?.message;
      expect({
        what: c.what,
        api: api.status,
        import: refusedByImport.get(i) ?? 'accepted',
      }).toEqual({
        what: c.what,
        api: c.accepted ? 201 : 400,
        // The same rule and words as the JSON body's, the import's column named.
        import: c.accepted ? 'accepted' : apiMessage?.replace(/^(slug|sku)/, c.field ?? ''),
      });
    }
    const stored = await ds.query(
      "SELECT slug FROM products WHERE slug LIKE 'sp-%' AND slug NOT LIKE 'sp-api-%'",
    );
    expect(stored).toEqual([{ slug: 'sp-ok' }]);
  }, 60_000);

  test('an unreadable line near the top is one error of its own, not a wrong header', async () => {
    const file = [
      HEADER,
      'broken-product,"Broken "quote" here",,,BROKEN-1,One,100,EUR,1',
      'fine-product,Fine,,,FINE-1,One,100,EUR,1',
    ].join('\n');
    const res = await upload(`${file}\n`);
    const done = (await finished(res.body.id)) as { errors: { line: number }[] };
    expect(done).toMatchObject({ status: 'completed', succeeded: 1, failed: 1 });
    expect(done.errors.map((e) => e.line)).toEqual([2]);
  }, 60_000);

  test('a stray quote on line 3 is one error there, and every line after it goes in', async () => {
    // No quote after it that could end the field the parser would think open.
    const lines = [HEADER];
    for (let line = 2; line <= 10; line++) {
      const name = line === 3 ? '"Stray"x' : `Stray ${line}`;
      lines.push(`stray-${line},${name},,,STRAY-${line},One,100,EUR,1`);
    }
    const file = lines.map((l, i) => l + (i % 2 === 0 ? '\r\n' : '\n')).join('');
    const done = (await finished((await upload(file)).body.id)) as {
      errors: { line: number; message: string }[];
    };
    expect(done).toMatchObject({ status: 'completed', succeeded: 8, failed: 1 });
    expect(done.errors).toEqual([
      { line: 3, message: expect.stringMatching(/^Invalid Closing Quote/) },
    ]);
    expect(await count("SELECT count(*) AS n FROM products WHERE slug LIKE 'stray-%'")).toBe(8);
  }, 60_000);

  test('a file with CR line ends (older Mac spreadsheets) is read line by line', async () => {
    const file = [HEADER, 'cr-product,Carriage,,,CR-1,One,100,EUR,1'].join('\r');
    const res = await upload(`${file}\r`);
    expect(res.status).toBe(202);
    const done = await finished(res.body.id);
    expect(done).toMatchObject({ status: 'completed', succeeded: 1, failed: 0 });
    await t.http.get(`${API}/products/cr-product`).expect(200);
  }, 60_000);

  test('an unreadable line whose message is cut inside an emoji is still one error', async () => {
    // The parser quotes the field in its message (over 500 characters here),
    // which is cut to 500: on one of these two lines the cut falls between the
    // halves of an emoji, which jsonb refuses, and failed the whole batch.
    const emoji = '😀'.repeat(300);
    const file = [
      HEADER,
      `emoji-one,a${emoji}"q,,,EMOJI-1,One,100,EUR,1`,
      `emoji-two,aa${emoji}"q,,,EMOJI-2,One,100,EUR,1`,
      'emoji-fine,Fine,,,EMOJI-3,One,100,EUR,1',
    ].join('\n');
    const done = (await finished((await upload(`${file}\n`)).body.id)) as {
      errors: { line: number; message: string }[];
    };
    expect(done).toMatchObject({ status: 'completed', succeeded: 1, failed: 2 });
    expect(done.errors.map((e) => e.line)).toEqual([2, 3]);
    for (const { message } of done.errors) {
      expect(message.length).toBeLessThanOrEqual(500);
      expect(message).toMatch(/^Invalid Opening Quote/);
    }
    await t.http.get(`${API}/products/emoji-fine`).expect(200);
  }, 60_000);

  test('a product holds at most 50 variants: the lines beyond are refused, the others go in', async () => {
    // 51 variants of one product in one file: the 51st line is refused.
    const line = (i: number) => `wide-product,Wide,,,WIDE-${i},V${i},${100 + i},EUR,1`;
    const wide = Array.from({ length: 51 }, (_, i) => line(i));
    const done = (await finished((await upload([HEADER, ...wide].join('\n'))).body.id)) as {
      succeeded: number;
      failed: number;
      errors: { line: number; message: string }[];
    };
    expect(done).toMatchObject({ succeeded: 50, failed: 1 });
    expect(done.errors).toEqual([
      { line: 52, message: expect.stringMatching(/at most 50 variants/) },
    ]);
    const again = (await finished(
      (await upload([HEADER, line(0), line(99)].join('\n'))).body.id,
    )) as { succeeded: number; failed: number; errors: { line: number; message: string }[] };
    // A SKU it already holds is updated; a new one is refused.
    expect(again).toMatchObject({ succeeded: 1, failed: 1 });
    expect(again.errors.map((e) => e.line)).toEqual([3]);
    const product = await t.http.get(`${API}/products/wide-product`).expect(200);
    expect(product.body.variants).toHaveLength(50);
  }, 60_000);

  test('a product another import has created but not committed is waited for, so its variants count against the limit', async () => {
    const upserts = t.get(CatalogUpsertRepository);
    const first = ds.createQueryRunner();
    const second = ds.createQueryRunner();
    await first.connect();
    await second.connect();
    try {
      await first.startTransaction();
      await upserts.lockProducts(first.manager, ['uncommitted-product']);
      const ids = await upserts.upsertProducts(first.manager, [
        { slug: 'uncommitted-product', name: 'Uncommitted', description: '', categoryId: null },
      ]);
      await first.query(
        `INSERT INTO variants (product_id, sku, name, price, currency, on_hand)
         VALUES ($1, 'UNCOMMITTED-1', 'One', 100, 'EUR', 1), ($1, 'UNCOMMITTED-2', 'Two', 100, 'EUR', 1)`,
        [ids.get('uncommitted-product')],
      );
      // The second batch cannot see the product yet: it must wait for it.
      await second.startTransaction();
      const [backend] = (await second.query('SELECT pg_backend_pid() AS pid')) as { pid: number }[];
      const pid = backend!.pid;
      const counted = upserts.lockProducts(second.manager, ['uncommitted-product']);
      await waitFor(async () => {
        const [row] = (await ds.query(
          `SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1`,
          [pid],
        )) as { wait_event_type: string | null }[];
        return row?.wait_event_type === 'Lock' ? true : undefined;
      }, 'the second batch to wait for the first');
      await first.commitTransaction();
      expect((await counted).get('uncommitted-product')).toBe(2);
      await second.commitTransaction();
    } finally {
      if (first.isTransactionActive) await first.rollbackTransaction();
      if (second.isTransactionActive) await second.rollbackTransaction();
      await first.release();
      await second.release();
    }
  });

  test('a product an admin is creating under the same slug is waited for, so its variants count against the limit', async () => {
    // The admin's create is held mid-transaction, its product and first
    // variant written: it waits to record its initial stock.
    const holder = ds.createQueryRunner();
    await holder.connect();
    try {
      await holder.startTransaction();
      await holder.query('LOCK TABLE stock_movements IN EXCLUSIVE MODE');
      const variants = Array.from({ length: 50 }, (_, i) => ({
        sku: `RACED-ADMIN-${i}`,
        name: `Admin ${i}`,
        price: { amount: 100, currency: 'EUR' },
        stock: 1,
      }));
      const created = t.http
        .post(`${API}/admin/products`)
        .set(admin.auth)
        .send(aProductBody({ name: 'Raced', slug: 'raced-by-admin', variants }))
        .then((r) => r);
      /** Until a statement containing one of `texts` waits for a lock. */
      const waiting = (...texts: string[]) =>
        waitFor(
          async () => {
            const rows = (await ds.query(
              `SELECT 1 FROM pg_stat_activity
              WHERE wait_event_type = 'Lock' AND query LIKE ANY ($1::text[])`,
              [texts.map((text) => `%${text}%`)],
            )) as unknown[];
            return rows.length > 0 ? true : undefined;
          },
          `a statement with ${texts.join(' or ')} to wait for a lock`,
        );
      await waiting('INSERT INTO stock_movements');
      const service = t.get(CatalogImportService);
      const record = await service.record(
        [1, 2, 3]
          .map((i) => `raced-by-admin,Raced,,,RACED-IMPORT-${i},Import ${i},100,EUR,1`)
          .reduce((file, line) => `${file}\n${line}`, HEADER),
        admin.id,
      );
      const imported = t.get(CatalogImportProcessor).run(record.id);
      // Waiting for the admin's transaction: on the slug's lock, or, were
      // that not taken, on the admin's uncommitted product row.
      await waiting('pg_advisory_xact_lock', 'INSERT INTO products');
      await holder.commitTransaction();
      expect((await created).status).toBe(201);
      await imported;
      expect(
        await count(
          `SELECT count(*) AS n FROM variants v JOIN products p ON p.id = v.product_id
            WHERE p.slug = 'raced-by-admin'`,
        ),
      ).toBe(50);
      expect(await service.get(record.id)).toMatchObject({ succeeded: 0, failed: 3 });
    } finally {
      if (holder.isTransactionActive) await holder.rollbackTransaction();
      await holder.release();
    }
  });

  /**
   * The product `id`, renamed from `former` to `current`, holds `skus`; no
   * product took `former`, which still redirects to it.
   */
  async function expectOneRenamedProduct(
    id: string,
    former: string,
    current: string,
    skus: string[],
  ): Promise<void> {
    const products = await ds.query(
      `SELECT p.slug, array_agg(v.sku ORDER BY v.sku) AS skus
         FROM products p JOIN variants v ON v.product_id = p.id
        WHERE p.id = $1 OR p.slug = $2 GROUP BY p.slug`,
      [id, former],
    );
    expect(products).toEqual([{ slug: current, skus }]);
    const old = await t.http.get(`${API}/products/${former}`);
    expect(old.status).toBe(308);
    expect(old.headers.location).toContain(current);
  }

  test("a product's former slug still names it: a file written before the rename updates it, creates no second product, keeps the redirect", async () => {
    const service = t.get(CatalogImportService);
    const before = [HEADER, 'old-mug,Red mug,,,MUG-1,Default,900,EUR,3'].join('\n');
    await t.get(CatalogImportProcessor).run((await service.record(before, admin.id)).id);
    const [mug] = await ds.query("SELECT id FROM products WHERE slug = 'old-mug'");
    const renamed = await t.http
      .patch(`${API}/admin/products/${mug.id}`)
      .set(admin.auth)
      .send({ slug: 'crimson-mug' });
    expect(renamed.status).toBe(200);

    const file = [
      HEADER,
      'old-mug,Red mug,,,MUG-1,Default,950,EUR,4',
      'old-mug,Red mug,,,MUG-2,Large,1200,EUR,2',
    ].join('\n');
    const done = (await finished((await upload(file)).body.id)) as { errors: unknown[] };

    expect(done.errors).toEqual([]);
    await expectOneRenamedProduct(mug.id, 'old-mug', 'crimson-mug', ['MUG-1', 'MUG-2']);
  });

  test('a product renamed while a batch waits on it: the batch reads the new slug, creates no second product, keeps the redirect', async () => {
    const service = t.get(CatalogImportService);
    const before = [HEADER, 'racing-mug,Red mug,,,RACING-1,Default,900,EUR,3'].join('\n');
    await t.get(CatalogImportProcessor).run((await service.record(before, admin.id)).id);
    const [mug] = await ds.query("SELECT id FROM products WHERE slug = 'racing-mug'");
    const file = [
      HEADER,
      'racing-mug,Red mug,,,RACING-1,Default,950,EUR,4',
      'racing-mug,Red mug,,,RACING-2,Large,1200,EUR,2',
    ].join('\n');
    const created = await service.record(file, admin.id);
    // The rename PATCH /admin/products/:id makes, committed once the batch,
    // having read the old slug as current, waits on the product's row.
    const rename = ds.createQueryRunner();
    await rename.connect();
    try {
      await rename.startTransaction();
      await rename.query("UPDATE products SET slug = 'renamed-mug' WHERE id = $1", [mug.id]);
      const imported = t.get(CatalogImportProcessor).run(created.id);
      await waitFor(
        async () =>
          (await count(
            `SELECT count(*) AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
              WHERE l.locktype = 'transactionid' AND NOT l.granted
                AND a.datname = current_database()`,
          )) > 0 || undefined,
        'the batch to wait on the renamed product',
      );
      await rename.commitTransaction();
      await imported;
    } finally {
      if (rename.isTransactionActive) await rename.rollbackTransaction();
      await rename.release();
    }

    const done = await service.get(created.id);
    expect(done).toMatchObject({ status: 'completed', succeeded: 2, failed: 0, errors: [] });
    await expectOneRenamedProduct(mug.id, 'racing-mug', 'renamed-mug', ['RACING-1', 'RACING-2']);
  }, 60_000);

  test("a category's former slug still names it: a file written before the rename imports into it", async () => {
    await ds.query("INSERT INTO categories (slug, name) VALUES ('garden', 'Garden')");
    await ds.query("UPDATE categories SET slug = 'patio' WHERE slug = 'garden'");
    await ds.query("UPDATE categories SET slug = 'garden-and-patio' WHERE slug = 'patio'");
    // A slug a category holds now is that one's, never the former owner's.
    await ds.query("INSERT INTO categories (slug, name) VALUES ('patio', 'Patio')");
    const service = t.get(CatalogImportService);
    const file = [
      HEADER,
      'renamed-shovel,Shovel,,garden,REN-1,Default,900,EUR,3',
      'renamed-bench,Bench,,patio,REN-2,Default,9900,EUR,1',
    ].join('\n');
    await t.get(CatalogImportProcessor).run((await service.record(file, admin.id)).id);
    const categoryOf = async (slug: string) =>
      (
        await ds.query(
          'SELECT c.slug FROM products p JOIN categories c ON c.id = p.category_id WHERE p.slug = $1',
          [slug],
        )
      )[0]?.slug as string | undefined;
    expect(await categoryOf('renamed-shovel')).toBe('garden-and-patio');
    expect(await categoryOf('renamed-bench')).toBe('patio');
  });

  test('a command-line import whose command was killed outright is failed once it stops moving; uploads and live ones are left', async () => {
    const service = t.get(CatalogImportService);
    const killed = await service.record(csv(2, {}, 'kld'), admin.id);
    const live = await service.record(csv(2, {}, 'liv'), admin.id);
    const idle = (id: string, minutes: number) =>
      ds.query(
        `UPDATE imports SET status = 'running', updated_at = now() - $2 * interval '1 minute' WHERE id = $1`,
        [id, minutes],
      );
    await idle(killed.id, 16);
    await idle(live.id, 1);
    // An upload's job owns its import (retried, or given up): never swept.
    const [queued] = (await ds.query(
      `INSERT INTO imports (source, run_by, status, updated_at)
       VALUES ($1, 'job', 'running', now() - interval '1 hour') RETURNING id`,
      [csv(1, {}, 'job')],
    )) as { id: string }[];

    const swept = await t.get(AbandonedImports).failAbandoned();
    expect(swept).toEqual([killed.id]);
    const res = await t.http.get(`${API}/admin/imports/${killed.id}`).set(admin.auth).expect(200);
    expect(res.body).toMatchObject({ status: 'failed', failureReason: ABANDONED });
    expect(res.body.finishedAt).toEqual(expect.any(String));
    expect(await service.get(live.id)).toMatchObject({ status: 'running' });
    expect(await service.get(queued!.id)).toMatchObject({ status: 'running' });
    expect(await t.get(AbandonedImports).failAbandoned()).toEqual([]);

    const schedules = await ds.query(
      `SELECT cron FROM pgboss.schedule WHERE name = 'imports.fail-abandoned'`,
    );
    expect(schedules).toEqual([{ cron: '*/10 * * * *' }]);
  });

  test('the abandoned-import sweep skips an import whose batch holds its row, rather than waiting for it', async () => {
    const service = t.get(CatalogImportService);
    await t.get(CatalogImportProcessor).run((await service.record(csv(1, {}, 'slw'), admin.id)).id);
    const [variant] = (await ds.query("SELECT id FROM variants WHERE sku = 'SLW-0'")) as {
      id: string;
    }[];
    const holder = ds.createQueryRunner();
    await holder.connect();
    try {
      await holder.startTransaction();
      await holder.query('SELECT 1 FROM variants WHERE id = $1 FOR UPDATE', [variant!.id]);
      const again = await service.record(csv(1, {}, 'slw'), admin.id);
      const imported = t.get(CatalogImportProcessor).run(again.id);
      await waitFor(async () => {
        const [row] = (await ds.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        )) as { n: number }[];
        return row!.n > 0 ? true : undefined;
      }, "the import's batch to wait for the variant's lock");
      // Stuck for longer than the idle limit the sweep is given here (one
      // second instead of fifteen minutes), its import's row locked.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const sweep = t
        .get(TransactionRunner)
        .run((m) => t.get(ImportRepository).failAbandoned(m, 1, ABANDONED));
      const answer = await Promise.race([
        sweep,
        new Promise<'still waiting'>((resolve) =>
          setTimeout(() => resolve('still waiting'), 20_000),
        ),
      ]);
      // (Other tests' unfinished imports, idle for over a second, are swept.)
      expect(answer).not.toBe('still waiting');
      expect(answer).not.toContain(again.id);
      await holder.commitTransaction();
      await imported;
      // Its batch moved it at the time of the write, however long it waited.
      expect(
        await t
          .get(TransactionRunner)
          .run((m) => t.get(ImportRepository).failAbandoned(m, 1, ABANDONED)),
      ).not.toContain(again.id);
      expect(await service.get(again.id)).toMatchObject({ status: 'completed', succeeded: 1 });
    } finally {
      if (holder.isTransactionActive) await holder.rollbackTransaction();
      await holder.release();
    }
  });

  test.each([
    { after: 1, batches: [500], imported: 500 },
    { after: 3, batches: [500, 1_000, 1_200], imported: 1_200 },
  ])(
    'an import failed after batch $after (its command paused past the sweep) takes no further batch and stays failed',
    async ({ after, batches, imported }) => {
      const service = t.get(CatalogImportService);
      const prefix = `ps${after}`;
      const paused = await service.record(csv(1_200, {}, prefix), admin.id);
      // As the sweep would, while the command stands still after a batch:
      // synchronously, from another process, before the command goes on.
      const failFromOutside = () =>
        execFileSync(
          process.execPath,
          [
            '--input-type=module',
            '-e',
            `import pg from 'pg';
             const c = new pg.Client({ connectionString: process.env.IMPORT_DB });
             await c.connect();
             await c.query("UPDATE imports SET status = 'failed', failure_reason = $2 WHERE id = $1", [process.env.IMPORT_ID, process.env.REASON]);
             await c.end();`,
          ],
          { env: { ...process.env, IMPORT_DB: t.db.url, IMPORT_ID: paused.id, REASON: ABANDONED } },
        );
      const seen: number[] = [];
      await t.get(CatalogImportProcessor).run(paused.id, (p) => {
        seen.push(p.processed);
        if (seen.length === after) failFromOutside();
      });
      expect(seen).toEqual(batches);
      expect(await service.get(paused.id)).toMatchObject({
        status: 'failed',
        failureReason: ABANDONED,
        processed: imported,
      });
      expect(
        await count(
          `SELECT count(*) AS n FROM variants WHERE sku LIKE '${prefix.toUpperCase()}-%'`,
        ),
      ).toBe(imported);
    },
  );

  test('the processor reports progress per batch of 500 (as the CLI shows it)', async () => {
    const service = t.get(CatalogImportService);
    const created = await service.record(csv(1_200, {}, 'cli'), admin.id);
    const events: number[] = [];
    await t.get(CatalogImportProcessor).run(created.id, (p) => events.push(p.processed));
    expect(events).toEqual([500, 1_000, 1_200]);
    expect(await service.get(created.id)).toMatchObject({ status: 'completed', succeeded: 1_200 });
    // A second run (a redelivered job) changes nothing.
    await t.get(CatalogImportProcessor).run(created.id);
    expect(await service.get(created.id)).toMatchObject({ processed: 1_200, succeeded: 1_200 });
  }, 60_000);

  test('two attempts of one import at once (a job redelivered while it still runs) count each line once', async () => {
    const service = t.get(CatalogImportService);
    const processor = t.get(CatalogImportProcessor);
    const created = await service.record(csv(1_200, {}, 'twin'), admin.id);
    await Promise.allSettled([processor.run(created.id), processor.run(created.id)]);
    // Whichever attempt lost the race, the file is in once, and counted once.
    await processor.run(created.id);
    expect(await service.get(created.id)).toMatchObject({
      status: 'completed',
      totalRows: 1_200,
      processed: 1_200,
      succeeded: 1_200,
      failed: 0,
    });
    expect(await count("SELECT count(*) AS n FROM variants WHERE sku LIKE 'TWIN-%'")).toBe(1_200);
  }, 60_000);

  test('the last attempt failing, or its dead letter, fails the import instead of leaving it running', async () => {
    const service = t.get(CatalogImportService);
    const handler = t.get(CatalogImportHandler);
    // A batch the database refuses, as an outage or a bug would make it fail.
    await ds.query(`CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'boom'; END $$`);
    await ds.query(`CREATE TRIGGER boom BEFORE INSERT ON variants FOR EACH ROW
      WHEN (NEW.sku = 'BOOM-1') EXECUTE FUNCTION boom()`);
    try {
      const file = [HEADER, 'boom-product,Boom,,,BOOM-1,One,100,EUR,1'].join('\n');
      const early = await service.record(file, admin.id);
      const attempt = (id: string, retryCount: number) =>
        handler.handle({ importId: id }, { id, name: 'catalog.import', retryCount });
      await expect(attempt(early.id, 0)).rejects.toThrow(/boom/);
      // Retries are still to come: not failed yet.
      expect(await service.get(early.id)).toMatchObject({ status: 'running' });
      await expect(attempt(early.id, 3)).rejects.toThrow(/boom/);
      const failed = await service.get(early.id);
      expect(failed).toMatchObject({ status: 'failed', processed: 0 });
      expect(failed.failureReason).toEqual(expect.any(String));
      expect(failed.finishedAt).not.toBeNull();
      // A job whose last attempt lost its worker reaches only the dead letter.
      const lost = await service.record(file, admin.id);
      await expect(attempt(lost.id, 1)).rejects.toThrow(/boom/);
      await handler.giveUp({ importId: lost.id });
      expect(await service.get(lost.id)).toMatchObject({ status: 'failed' });
    } finally {
      await ds.query('DROP TRIGGER boom ON variants');
      await ds.query('DROP FUNCTION boom()');
    }
    // A dead letter for an import completed meanwhile leaves it completed.
    const done = await service.record(csv(2, {}, 'late'), admin.id);
    await t.get(CatalogImportProcessor).run(done.id);
    await handler.giveUp({ importId: done.id });
    expect(await service.get(done.id)).toMatchObject({ status: 'completed', failureReason: null });
  }, 60_000);

  test('stock set by a line while an adjustment of that variant commits: movements still sum to the level', async () => {
    const service = t.get(CatalogImportService);
    const processor = t.get(CatalogImportProcessor);
    const line = (stock: number) => `race-product,Race,,,RACE-1,One,100,EUR,${stock}`;
    await processor.run((await service.record([HEADER, line(5)].join('\n'), admin.id)).id);
    const [{ id: variantId }] = await ds.query("SELECT id FROM variants WHERE sku = 'RACE-1'");
    const second = await service.record([HEADER, line(20)].join('\n'), admin.id);

    // Sessions waiting, directly or behind another waiter, on the lock `holder` has.
    const waitingOn = async (holder: number): Promise<number> => {
      const rows: { pid: number; blockers: number[] }[] = await ds.query(
        'SELECT pid, pg_blocking_pids(pid) AS blockers FROM pg_stat_activity WHERE datname = current_database()',
      );
      const waiting = new Set([holder]);
      for (let grew = true; grew;) {
        grew = false;
        for (const r of rows) {
          if (!waiting.has(r.pid) && r.blockers.some((b) => waiting.has(b))) {
            waiting.add(r.pid);
            grew = true;
          }
        }
      }
      return waiting.size - 1;
    };
    const until = async (holder: number, n: number): Promise<void> => {
      for (let i = 0; (await waitingOn(holder)) < n; i++) {
        if (i > 2000) throw new Error(`fewer than ${n} sessions ever waited`);
        await new Promise((r) => setTimeout(r, 5));
      }
    };

    // The variant's row is held while an admin adjustment and then the import
    // queue up behind it: the import starts its write before the adjustment
    // has committed, and writes only after it has.
    const runner = ds.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      const [{ pid }] = await runner.query('SELECT pg_backend_pid() AS pid');
      await runner.query('SELECT 1 FROM variants WHERE id = $1 FOR UPDATE', [variantId]);
      const adjusted = t.http
        .post(`${API}/admin/variants/${variantId}/stock`)
        .set(admin.auth)
        .send({ delta: 7, reason: 'recount' })
        .then((r) => r);
      await until(pid, 1);
      const imported = processor.run(second.id);
      await until(pid, 2);
      await runner.commitTransaction();
      expect((await adjusted).status).toBe(200);
      await imported;
    } finally {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      await runner.release();
    }

    const [level] = await ds.query('SELECT on_hand FROM variants WHERE id = $1', [variantId]);
    const movements: { delta: number; on_hand_after: number }[] = await ds.query(
      'SELECT delta, on_hand_after FROM stock_movements WHERE variant_id = $1 ORDER BY id',
      [variantId],
    );
    expect(movements.reduce((sum, m) => sum + m.delta, 0)).toBe(level.on_hand);
    // Each movement starts from the level the one before it left.
    let before = 0;
    for (const m of movements) {
      expect(m.on_hand_after - m.delta).toBe(before);
      before = m.on_hand_after;
    }
    expect(before).toBe(level.on_hand);
  }, 60_000);

  test('a wrong header or an empty file → 400; over 16 MiB → 413; a JSON body → 400; other types → 415', async () => {
    const wrong = await upload('sku,price\nA-1,100\n');
    expect(wrong.status).toBe(400);
    expect(wrong.body.detail).toMatch(/header/);
    expect((await upload('')).status).toBe(400);
    // PostgreSQL text cannot hold U+0000 (a UTF-16 file is full of them).
    const nul = await upload(`${HEADER}\nnul-product,Mu\u0000g,,,NUL-1,One,100,EUR,1\n`);
    expect(nul.status).toBe(400);
    expect(nul.body.errors).toEqual([{ field: 'file', message: expect.stringContaining('NUL') }]);
    // Bytes that are not UTF-8 (a spreadsheet's Latin-1 export) would be
    // stored with U+FFFD for each accented letter, and reported a success.
    const latin1 = await upload(
      Buffer.from(`${HEADER}\ncafe-mug,Caf\u00e9 mug,,,CAFE-1,One,100,EUR,1\n`, 'latin1'),
    );
    expect(latin1.status).toBe(400);
    expect(latin1.body.errors).toEqual([{ field: 'file', message: 'file must be UTF-8 text' }]);
    expect(latin1.body.detail).toMatch(/not UTF-8/);
    const utf8 = await upload(
      Buffer.from(`\ufeff${HEADER}\ncafe-mug,Caf\u00e9 mug,,,CAFE-1,One,100,EUR,1\n`, 'utf8'),
    );
    expect(utf8.status).toBe(202);
    const done = await finished(utf8.body.id);
    expect(done).toMatchObject({ status: 'completed', failed: 0 });
    const [mug] = (await t
      .get(DataSource)
      .query("SELECT name FROM products WHERE slug = 'cafe-mug'")) as { name: string }[];
    expect(mug?.name).toBe('Caf\u00e9 mug');
    // Files above the JSON body limit (1 MiB) are accepted up to 16 MiB.
    const padding = `${'x'.repeat(99)}\n`.repeat(20_000);
    expect((await upload(`sku,price\n${padding}`)).status).toBe(400);
    expect((await upload(`${HEADER}\n${padding.repeat(9)}`)).status).toBe(413);
    const json = await t.http.post(`${API}/admin/imports`).set(admin.auth).send({ file: 'x' });
    expect(json.status).toBe(400);
    const xml = await t.http
      .post(`${API}/admin/imports`)
      .set(admin.auth)
      .set('Content-Type', 'application/xml')
      .send('<a/>');
    expect(xml.status).toBe(415);
  });

  test('scope catalog:write: no token → 401, a customer → 403', async () => {
    expect(
      (await t.http.post(`${API}/admin/imports`).set('Content-Type', 'text/csv').send(HEADER))
        .status,
    ).toBe(401);
    expect((await upload(csv(1), customer)).status).toBe(403);
    const id = '00000000-0000-4000-8000-000000000000';
    expect((await t.http.get(`${API}/admin/imports/${id}`).set(customer.auth)).status).toBe(403);
  });

  /**
   * The head of an upload as sent on a raw connection, announcing a 16 MiB
   * file and sending one byte of it: what comes back before the rest of the
   * body is what the API answered without reading it.
   */
  async function answerToUploadHead(authorization?: string): Promise<string> {
    if (!t.app.getHttpServer().listening) await t.app.listen(0, '127.0.0.1');
    const { port } = t.app.getHttpServer().address() as { port: number };
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (d: Buffer) => (received += d.toString()));
    socket.on('error', () => undefined);
    // The reply is complete once its JSON body is: a problem object.
    const answered = new Promise<void>((resolve) =>
      socket.on('data', () => {
        if (/\r\n\r\n\{[\s\S]*\}$/.test(received)) resolve();
      }),
    );
    socket.write(
      `POST ${API}/admin/imports HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\n` +
        `Content-Length: ${IMPORT_MAX_BYTES - 100}\r\n` +
        (authorization ? `Authorization: ${authorization}\r\n` : '') +
        '\r\np',
    );
    await answered;
    socket.destroy();
    return received;
  }

  test('an upload from a caller without a token holding catalog:write is refused before its body is read', async () => {
    const imports = () => ds.query('SELECT count(*)::int AS n FROM imports');
    const before = await imports();
    const anonymous = await answerToUploadHead();
    expect(anonymous).toMatch(/^HTTP\/1\.1 401 /);
    // Counted by the request limit, as every request is.
    expect(anonymous).toMatch(/\r\nx-ratelimit-remaining: \d+\r\n/i);
    expect(anonymous).toContain('/problems/auth-invalid-token"');

    const forged = await answerToUploadHead(`Bearer ${admin.accessToken.slice(0, -2)}xx`);
    expect(forged).toMatch(/^HTTP\/1\.1 401 /);

    const shopper = await answerToUploadHead(customer.auth.Authorization);
    expect(shopper).toMatch(/^HTTP\/1\.1 403 /);
    expect(shopper).toContain('catalog:write');
    expect(await imports()).toEqual(before);
  });

  test('GET /admin/imports/:id → 404 unknown, 400 not a uuid', async () => {
    const unknown = await t.http
      .get(`${API}/admin/imports/00000000-0000-4000-8000-000000000000`)
      .set(admin.auth);
    expect(unknown.status).toBe(404);
    expect((await t.http.get(`${API}/admin/imports/nope`).set(admin.auth)).status).toBe(400);
  });
});
