/**
 * A database URL fit for logs: its password, and any query parameter that
 * carries one (`?password=`, `sslpassword=`), shown as `***`. A URL that
 * does not parse is not shown at all: where its secret begins is unknown.
 */
export function maskedDatabaseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '(DATABASE_URL, not shown: it does not parse as a URL)';
  }
  if (parsed.password) parsed.password = '***';
  for (const name of [...parsed.searchParams.keys()]) {
    if (/password/i.test(name)) parsed.searchParams.set(name, '***');
  }
  return parsed.toString();
}
