/** One jest run for every workspace: unit tests compile from source; e2e tests drive the built daemon. */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json' }] },
  moduleNameMapper: {
    '^@sockerless/sdk$': '<rootDir>/sdk/src/index.ts',
    '^@sockerless/sdk/testing$': '<rootDir>/sdk/src/testing/index.ts',
    '^@sockerless/sdk/workload$': '<rootDir>/sdk/src/workload.ts',
    '^@sockerless/sdk/archive$': '<rootDir>/sdk/src/archive.ts',
    '^@sockerless/agent$': '<rootDir>/agent/src/index.ts',
    '^@sockerless/cloud-aws$': '<rootDir>/cloud/aws/src/index.ts',
    '^@sockerless/cloud-gcp$': '<rootDir>/cloud/gcp/src/index.ts',
    '^@sockerless/cloud-azure$': '<rootDir>/cloud/azure/src/index.ts',
    '^@sockerless/sdk/images$': '<rootDir>/sdk/src/images/index.ts',
    '^@sockerless/sdk/api$': '<rootDir>/sdk/src/api/index.ts',
  },
  testMatch: ['<rootDir>/{sdk,agent,cloud/*,core,cli,plugins/*,examples/*}/test/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  testTimeout: 120000,
  maxWorkers: 2,
};
