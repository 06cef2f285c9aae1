import { describe, expect, test } from '@jest/globals';

import { maskedDatabaseUrl } from './masked-url.js';

describe('maskedDatabaseUrl', () => {
  test('masks the password of the userinfo', () => {
    expect(maskedDatabaseUrl('postgres://shop:s3cret@db.internal:5432/shop')).toBe(
      'postgres://shop:***@db.internal:5432/shop',
    );
  });

  test('masks a password given as a query parameter', () => {
    const shown = maskedDatabaseUrl(
      'postgres://shop@db.internal/shop?sslmode=require&password=s3cret&sslpassword=k3y',
    );
    expect(shown).toBe(
      'postgres://shop@db.internal/shop?sslmode=require&password=***&sslpassword=***',
    );
  });

  test('a password with an unencoded @ is masked whole', () => {
    const shown = maskedDatabaseUrl('postgres://shop:p@ss@db.internal/shop');
    expect(shown).not.toContain('p@ss');
    expect(shown).not.toContain('ss@');
    expect(shown).toContain('db.internal/shop');
  });

  test('a URL without a password is shown as it is', () => {
    expect(maskedDatabaseUrl('postgres://postgres@127.0.0.1:5432/test')).toBe(
      'postgres://postgres@127.0.0.1:5432/test',
    );
  });

  test('a URL that does not parse is not shown', () => {
    expect(maskedDatabaseUrl('not a url with s3cret')).not.toContain('s3cret');
  });
});
