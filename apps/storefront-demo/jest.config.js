export default {
  // A cache of its own: packages transform TypeScript differently (ESM here),
  // and a shared cache can hand one package another's CommonJS output.
  cacheDirectory: '<rootDir>/node_modules/.cache/jest',
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  testMatch: ['<rootDir>/test/**/*.e2e-spec.ts', '<rootDir>/test/**/*.spec.ts'],
  // Starting the built API (and, without DATABASE_URL, its PostgreSQL) and
  // seeding the demo catalog takes a while on a cold machine.
  testTimeout: 180_000,
};
