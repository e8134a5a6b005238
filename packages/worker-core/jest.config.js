import { jestConfig } from '../../jest.config.base.js';

// Integration suites start real containers and share one engine and one RabbitMQ (one of them
// stops RabbitMQ on purpose): run the files one at a time, so their timings mean something.
export default jestConfig({ testTimeout: 120_000, maxWorkers: 1 });
