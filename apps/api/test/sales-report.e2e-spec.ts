import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { DataSource } from 'typeorm';

import { JobsOptions } from '../src/jobs/jobs.options.js';
import { SalesReportHandler } from '../src/reports/sales-report.handler.js';
import { SalesReportWriter } from '../src/reports/sales-report.writer.js';
import { fastJobsOptions, waitFor } from './support/jobs-probe.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { aCustomer, anAdmin, type TestUser } from './support/users.js';

const API = '/api/v1';

describe('sales report export', () => {
  let t: TestApp;
  let admin: TestUser;
  let customer: TestUser;
  let ds: DataSource;
  let dataDir: string;
  const orderIds: Record<string, string> = {};

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'minishop-reports-'));
    t = await startTestApp({
      env: { DATA_DIR: dataDir },
      override: (b) => b.overrideProvider(JobsOptions).useValue(fastJobsOptions()),
    });
    admin = await anAdmin(t);
    customer = await aCustomer(t);
    ds = t.get(DataSource);
    const [product] = await ds.query(
      "INSERT INTO products (slug, name) VALUES ('mug', 'Mug') RETURNING id",
    );
    const variant = async (sku: string) =>
      (
        await ds.query(
          "INSERT INTO variants (product_id, sku, name, price, currency, on_hand) VALUES ($1, $2, $2, 1000, 'EUR', 10) RETURNING id",
          [product.id, sku],
        )
      )[0].id as string;
    const red = await variant('MUG-RED');
    const blue = await variant('MUG-BLUE');
    const order = async (
      tag: string,
      createdAt: string,
      status: string,
      lines: [string, string, number][],
      refunded = 0,
    ) => {
      const subtotal = lines.reduce((s, [, , q]) => s + q * 1000, 0);
      const [row] = await ds.query(
        `INSERT INTO orders (user_id, status, currency, subtotal, total, shipping_address,
           amount_refunded, reservation_expires_at, created_at)
         VALUES ($1, $2, 'EUR', $3, $3, '{}', $4, $5, $5) RETURNING id`,
        [customer.id, status, subtotal, refunded, createdAt],
      );
      for (const [variantId, sku, quantity] of lines) {
        await ds.query(
          `INSERT INTO order_lines (order_id, variant_id, sku, name, quantity, unit_price, line_total)
           VALUES ($1, $2, $3, $3, $4, 1000, $5)`,
          [row.id, variantId, sku, quantity, quantity * 1000],
        );
      }
      orderIds[tag] = row.id;
    };
    await order('before', '2026-10-31T23:59:59Z', 'paid', [[red, 'MUG-RED', 1]]);
    await order('first', '2026-11-01T00:00:00Z', 'paid', [
      [red, 'MUG-RED', 2],
      [blue, 'MUG-BLUE', 1],
    ]);
    await order(
      'refunded',
      '2026-11-15T10:00:00Z',
      'partially_refunded',
      [[blue, 'MUG-BLUE', 3]],
      1000,
    );
    await order('after', '2026-12-01T00:00:00Z', 'paid', [[red, 'MUG-RED', 1]]);
  });
  afterAll(async () => {
    await t.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const requestReport = (body: object, who: TestUser = admin) =>
    t.http.post(`${API}/admin/reports/sales`).set(who.auth).send(body);

  test('POST /admin/reports/sales → 202; the job writes the orders of [from, to) as CSV, downloadable', async () => {
    // As an earlier release left it: readable by all.
    mkdirSync(join(dataDir, 'reports'), { recursive: true, mode: 0o755 });
    chmodSync(join(dataDir, 'reports'), 0o755);
    const res = await requestReport({ from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'queued', rowCount: null, downloadUrl: null });
    // Where its progress is read.
    expect(res.headers.location).toBe(`${API}/admin/reports/${res.body.id}`);

    const done = await waitFor(async () => {
      const r = await t.http.get(res.headers.location!).set(admin.auth);
      expect(r.status).toBe(200);
      return r.body.status === 'completed' ? r.body : undefined;
    }, 'the report to be written');
    expect(done).toMatchObject({
      rowCount: 2,
      from: '2026-11-01T00:00:00.000Z',
      to: '2026-12-01T00:00:00.000Z',
      downloadUrl: `/api/v1/admin/reports/${res.body.id}/download`,
    });

    const file = await t.http.get(done.downloadUrl).set(admin.auth);
    expect(file.status).toBe(200);
    expect(file.headers['content-type']).toMatch(/^text\/csv/);
    expect(file.headers['content-disposition']).toContain(`sales-${res.body.id}.csv`);
    expect(file.text.trimEnd().split('\n')).toEqual([
      'order_id,created_at,status,user_email,items,subtotal,total,currency,amount_refunded',
      `${orderIds.first},2026-11-01T00:00:00.000Z,paid,${customer.email},MUG-BLUE x 1; MUG-RED x 2,3000,3000,EUR,0`,
      `${orderIds.refunded},2026-11-15T10:00:00.000Z,partially_refunded,${customer.email},MUG-BLUE x 3,3000,3000,EUR,1000`,
    ]);
    // Customers' e-mails and spend: for the API's own user only.
    expect(statSync(join(dataDir, 'reports')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dataDir, 'reports', `${res.body.id}.csv`)).mode & 0o777).toBe(0o600);
  });

  test('an empty period gives a file with the header only', async () => {
    const res = await requestReport({ from: '2025-01-01T00:00:00Z', to: '2025-02-01T00:00:00Z' });
    const done = await waitFor(async () => {
      const r = await t.http.get(`${API}/admin/reports/${res.body.id}`).set(admin.auth);
      return r.body.status === 'completed' ? r.body : undefined;
    }, 'the report');
    expect(done.rowCount).toBe(0);
    const file = await t.http.get(done.downloadUrl).set(admin.auth);
    expect(file.text).toBe(
      'order_id,created_at,status,user_email,items,subtotal,total,currency,amount_refunded\n',
    );
  });

  test('two runs of one report at once (a redelivered job) both finish, and the file is whole', async () => {
    const [row] = await ds.query(
      `INSERT INTO reports (kind, period_from, period_to)
       VALUES ('sales', '2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z') RETURNING id`,
    );
    const writer = t.get(SalesReportWriter);
    await Promise.all([writer.write(row.id, 'first.0'), writer.write(row.id, 'first.1')]);
    const file = await t.http.get(`${API}/admin/reports/${row.id}/download`).set(admin.auth);
    expect(file.status).toBe(200);
    const lines = file.text.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual([orderIds.first, orderIds.refunded]);
    expect(readdirSync(join(dataDir, 'reports')).filter((f) => f.includes(row.id))).toEqual([
      `${row.id}.csv`,
    ]);
  });

  test('download before completion → 409', async () => {
    const [row] = await ds.query(
      "INSERT INTO reports (kind, period_from, period_to) VALUES ('sales', now(), now() + interval '1 day') RETURNING id",
    );
    const res = await t.http.get(`${API}/admin/reports/${row.id}/download`).set(admin.auth);
    expect(res.status).toBe(409);
  });

  test('a file that cannot be written → the job fails at once, the process lives on', async () => {
    const [row] = await ds.query(
      `INSERT INTO reports (kind, period_from, period_to)
       VALUES ('sales', '2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z') RETURNING id`,
    );
    // A directory where the file is written: opening it fails (EISDIR).
    mkdirSync(join(dataDir, 'reports', `${row.id}.csv.${row.id}.0.partial`), { recursive: true });
    await expect(
      t
        .get(SalesReportHandler)
        .handle({ reportId: row.id }, { id: row.id, name: 'reports.sales', retryCount: 0 }),
    ).rejects.toThrow(/EISDIR/);
    // Retries are still to come: not failed yet.
    const state = await t.http.get(`${API}/admin/reports/${row.id}`).set(admin.auth);
    expect(state.body).toMatchObject({ status: 'running', failureReason: null });
  }, 10_000);

  test('the last attempt failing → the report is failed, with a reason that names no path', async () => {
    const [row] = await ds.query(
      `INSERT INTO reports (kind, period_from, period_to)
       VALUES ('sales', '2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z') RETURNING id`,
    );
    mkdirSync(join(dataDir, 'reports', `${row.id}.csv.${row.id}.3.partial`), { recursive: true });
    await expect(
      t
        .get(SalesReportHandler)
        .handle({ reportId: row.id }, { id: row.id, name: 'reports.sales', retryCount: 3 }),
    ).rejects.toThrow(/EISDIR/);
    const failed = (await t.http.get(`${API}/admin/reports/${row.id}`).set(admin.auth)).body;
    expect(failed).toMatchObject({ status: 'failed', rowCount: null, downloadUrl: null });
    expect(failed.failureReason).toEqual(expect.any(String));
    expect(failed.failureReason).not.toContain(dataDir);
    expect(failed.finishedAt).not.toBeNull();
    const download = await t.http.get(`${API}/admin/reports/${row.id}/download`).set(admin.auth);
    expect(download.status).toBe(409);
    // Its dead letter follows: the report keeps the time it failed.
    await new Promise((resolve) => setTimeout(resolve, 20));
    await t.get(SalesReportHandler).giveUp({ reportId: row.id });
    const after = (await t.http.get(`${API}/admin/reports/${row.id}`).set(admin.auth)).body;
    expect(after).toMatchObject({ status: 'failed', finishedAt: failed.finishedAt });
  }, 10_000);

  test('the last attempt outliving its expiry (its worker died) → the report is failed', async () => {
    const [row] = await ds.query(
      `INSERT INTO reports (kind, period_from, period_to, status)
       VALUES ('sales', '2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z', 'running') RETURNING id`,
    );
    // The job as a dead worker leaves it: active on its last attempt, long
    // past its expiry; the next maintenance fails it for good.
    await ds.query(
      `INSERT INTO pgboss.job (name, data, state, retry_limit, retry_count, started_on,
         expire_in, dead_letter)
       VALUES ('reports.sales', $1, 'active', 3, 3, now() - interval '1 hour',
         interval '30 minutes', 'reports.sales.dlq')`,
      [{ reportId: row.id }],
    );
    const failed = await waitFor(async () => {
      const r = await t.http.get(`${API}/admin/reports/${row.id}`).set(admin.auth);
      return r.body.status === 'running' ? undefined : r.body;
    }, 'the report to be given up');
    expect(failed).toMatchObject({ status: 'failed', downloadUrl: null });
    expect(failed.failureReason).toEqual(expect.any(String));
    expect(failed.finishedAt).not.toBeNull();
  }, 30_000);

  test('a dead letter for a report completed meanwhile leaves it completed', async () => {
    const [row] = await ds.query(
      `INSERT INTO reports (kind, period_from, period_to)
       VALUES ('sales', '2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z') RETURNING id`,
    );
    await t.get(SalesReportWriter).write(row.id, 'late.0');
    await t.get(SalesReportHandler).giveUp({ reportId: row.id });
    const state = (await t.http.get(`${API}/admin/reports/${row.id}`).set(admin.auth)).body;
    expect(state).toMatchObject({ status: 'completed', failureReason: null, rowCount: 2 });
  });

  test('invalid periods → 400', async () => {
    const reversed = await requestReport({
      from: '2026-12-01T00:00:00Z',
      to: '2026-11-01T00:00:00Z',
    });
    expect(reversed.status).toBe(400);
    expect(reversed.body.errors).toEqual([{ field: 'to', message: 'to must be later than from' }]);
    const long = await requestReport({ from: '2024-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' });
    expect(long.status).toBe(400);
    expect((await requestReport({ from: 'yesterday', to: '2026-11-01T00:00:00Z' })).status).toBe(
      400,
    );
    expect(
      (await requestReport({ from: '2026-11-01T00:00:00Z', to: '2026-11-02T00:00:00Z', x: 1 }))
        .status,
    ).toBe(400);
  });

  test('dates new Date() cannot read, or would read in the server timezone → 400 naming the field', async () => {
    const to = '2026-12-01T00:00:00Z';
    for (const from of ['2026-W05', '2026-032', '2026-11-01T00:00:00', '2026-02-30T00:00:00Z']) {
      const res = await requestReport({ from, to });
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.errors).toEqual([
        {
          field: 'from',
          message: expect.stringMatching(/^from must be a date-time with an offset/),
        },
      ]);
    }
    const local = await requestReport({ from: '2026-11-01T00:00:00Z', to: '2026-11-30T00:00:00' });
    expect(local.body.errors).toEqual([
      { field: 'to', message: expect.stringMatching(/^to must/) },
    ]);
    const offset = await requestReport({ from: '2026-11-01T00:00:00+01:00', to });
    expect(offset.status).toBe(202);
    expect(offset.body.from).toBe('2026-10-31T23:00:00.000Z');
  });

  test('scope orders:manage: no token → 401, a customer → 403; unknown id → 404, bad id → 400', async () => {
    expect(
      (await t.http.post(`${API}/admin/reports/sales`).send({ from: 'a', to: 'b' })).status,
    ).toBe(401);
    const body = { from: '2026-11-01T00:00:00Z', to: '2026-11-02T00:00:00Z' };
    expect((await requestReport(body, customer)).status).toBe(403);
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect((await t.http.get(`${API}/admin/reports/${unknown}`).set(customer.auth)).status).toBe(
      403,
    );
    expect((await t.http.get(`${API}/admin/reports/${unknown}`).set(admin.auth)).status).toBe(404);
    expect(
      (await t.http.get(`${API}/admin/reports/${unknown}/download`).set(admin.auth)).status,
    ).toBe(404);
    expect((await t.http.get(`${API}/admin/reports/nope`).set(admin.auth)).status).toBe(400);
  });
});
