/**
 * The benchmarks (`*.bench.ts`): figures printed, never asserted. The suite's own jest setup (ts-jest, ESM), other
 * files; run with NODE_OPTIONS=--experimental-vm-modules: `npx jest --config test/bench/jest.bench.config.js`.
 */
import suite from '../../jest.config.js';

export default {
  ...suite,
  rootDir: '../..',
  roots: ['<rootDir>/test/bench'],
  testMatch: ['**/*.bench.ts'],
  testTimeout: 600000,
};
