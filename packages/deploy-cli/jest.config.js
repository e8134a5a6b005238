import { jestConfig } from '../../jest.config.base.js';

// Some suites format loop devices and run packer: give them more than the default 5 s.
export default jestConfig({ testTimeout: 60_000 });
