/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
  testTimeout: 60000,
  setupFiles: ['<rootDir>/test/support/setup-env.ts'],
  // Ends a run without moto_server with one line naming the suites it skipped.
  reporters: ['default', '<rootDir>/test/support/moto-skips-reporter.js'],
  // Integration tests start loopback servers; a single worker keeps ports and the 2-core CI machine calm.
  maxWorkers: 1,
};
