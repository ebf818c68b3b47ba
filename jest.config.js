// One Jest run over every project: unit specs next to the code, integration and e2e specs under test/.
const { readFileSync } = require('node:fs');
const swcConfig = JSON.parse(readFileSync(`${__dirname}/.swcrc`, 'utf8'));

/** @type {import('jest').Config} */
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  roots: ['<rootDir>/apps', '<rootDir>/libs'],
  testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { ...swcConfig, swcrc: false }] },
  moduleNameMapper: {
    '^@fhirlake/persistence/bulk-rows$': '<rootDir>/libs/persistence/src/bulk-resource-rows.ts',
    '^@fhirlake/persistence/prisma$': '<rootDir>/libs/persistence/src/prisma.ts',
    '^@fhirlake/([a-z-]+)$': '<rootDir>/libs/$1/src/index.ts',
  },
  globalSetup: '<rootDir>/libs/testing/src/global-setup.ts',
  globalTeardown: '<rootDir>/libs/testing/src/global-teardown.ts',
  testTimeout: 60000,
  // Never depend on a watchman daemon: CI machines may have a stale one that hangs the crawl.
  watchman: false,
};
