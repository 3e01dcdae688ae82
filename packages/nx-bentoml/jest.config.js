module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'nx-bentoml',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
