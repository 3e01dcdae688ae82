/**
 * End-to-end tests: each suite creates a real Nx workspace with create-nx-workspace and installs
 * the packed plugin into it, so they are slow and run in band.
 */
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'nx-bentoml-e2e',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  testTimeout: 20 * 60 * 1000,
  globalSetup: '<rootDir>/src/support/global-setup.ts',
  globalTeardown: '<rootDir>/src/support/global-teardown.ts',
};
