import { jestConfig } from '../../jest.config.base.js';

// Integration suites start real containers; a cold engine can take a while.
export default jestConfig({ testTimeout: 120_000 });
