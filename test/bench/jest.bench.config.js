/**
 * The benchmarks (`*.bench.ts`): figures printed, never asserted. Same ts-jest ESM setup as the suite's own
 * jest.config.js; run with NODE_OPTIONS=--experimental-vm-modules, e.g.
 * `npx jest --config test/bench/jest.bench.config.js`.
 */
export default {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  rootDir: '../..',
  roots: ['<rootDir>/test/bench'],
  testMatch: ['**/*.bench.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
  testTimeout: 600000,
};
