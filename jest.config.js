/** Unit tests (pure code) and integration tests (a real engine, started once per run). */
const common = {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
};

export default {
  // integration tests run CLIs as subprocesses against a real engine; a loaded machine is
  // slow (testTimeout is a global option: jest ignores it inside a project)
  testTimeout: 120_000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      // a CLI test spawns the deploy command several times (about 2 s each on 2 busy cores,
      // more as sources add pipelines): jest's 5 s default is too tight
      testTimeout: 60_000,
      globalSetup: '<rootDir>/test/harness/global-setup.mjs',
      globalTeardown: '<rootDir>/test/harness/global-teardown.mjs',
    },
  ],
};
