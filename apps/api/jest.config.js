export default {
  // A cache of its own: packages transform TypeScript differently (ESM here),
  // and a shared cache can hand one package another's CommonJS output.
  cacheDirectory: '<rootDir>/node_modules/.cache/jest',
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // @fastify/static (CommonJS) requires content-disposition 3, which is
    // ESM-only; Node 20 loads it via require(esm), jest's runtime cannot.
    // Version 1 has the same API in CommonJS.
    '^content-disposition$': 'content-disposition-cjs',
  },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.js',
  globalTeardown: '<rootDir>/test/support/global-teardown.js',
  testTimeout: 60_000,
  // Three files at a time on two cores: many e2e files spend much of their
  // time waiting on child processes and PostgreSQL, which a third file fills.
  maxWorkers: 3,
};
