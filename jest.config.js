/** One jest run for every workspace: unit tests compile from source; e2e tests drive the built daemon. */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json' }] },
  moduleNameMapper: {
    '^@sockerless/sdk$': '<rootDir>/sdk/src/index.ts',
    '^@sockerless/sdk/testing$': '<rootDir>/sdk/src/testing/index.ts',
    '^@sockerless/sdk/images$': '<rootDir>/sdk/src/images/index.ts',
  },
  testMatch: ['<rootDir>/{sdk,core,plugins/*,examples/*}/test/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  testTimeout: 120000,
  maxWorkers: 2,
};
