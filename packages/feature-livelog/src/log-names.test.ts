import { backingLogName } from './log-names.js';

describe('backingLogName', () => {
  it.each([
    ['public/logs/live.log', 'public/logs/live_backing.log'],
    ['private/logs/custom.log', 'private/logs/custom_backing.log'],
    ['public/logs/noext', 'public/logs/noext_backing'],
    ['live.log', 'live_backing.log'],
    ['public/logs/.hidden', 'public/logs/.hidden_backing'],
  ])('%s → %s', (live, backing) => {
    expect(backingLogName(live)).toBe(backing);
  });
});
