/** Jest for the core package alone (`npx jest -c core/jest.config.js`); the root config runs every workspace. */
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/../tsconfig.jest.json' }] },
  moduleNameMapper: {
    '^@sockerless/sdk$': '<rootDir>/../sdk/src/index.ts',
    '^@sockerless/sdk/testing$': '<rootDir>/../sdk/src/testing/index.ts',
  },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  testTimeout: 30000,
};
