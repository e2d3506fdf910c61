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
  // Integration tests start loopback servers; a single worker keeps ports and the 2-core CI machine calm.
  maxWorkers: 1,
};
