/**
 * What each of the app's connections asks PostgreSQL for when it opens (the
 * `options` startup parameter, which PgBouncer 1.20+ passes on for these).
 *
 * DateStyle: the pg driver reads dates and timestamps in ISO form only; in
 * any other (`SQL, DMY`, `German`, which a DBA may set for the database or
 * the server) it reads every one as null. (The day/month order that comes
 * with it only decides how ambiguous input such as 01/02/2026 is read, and
 * the driver sends dates in ISO form.)
 */
export const SESSION_SETTINGS = '-c DateStyle=ISO';
