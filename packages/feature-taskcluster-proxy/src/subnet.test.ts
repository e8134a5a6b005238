import { inSubnet } from './subnet.js';

describe('inSubnet', () => {
  it('matches addresses in the range, IPv4-mapped ones included', () => {
    expect(inSubnet('172.18.0.2', '172.18.0.0/16')).toBe(true);
    expect(inSubnet('::ffff:172.18.255.254', '172.18.0.0/16')).toBe(true);
    expect(inSubnet('10.0.0.1', '0.0.0.0/0')).toBe(true);
  });

  it('refuses addresses outside it, and what is not IPv4', () => {
    expect(inSubnet('172.19.0.2', '172.18.0.0/16')).toBe(false);
    expect(inSubnet('172.18.0.3', '172.18.0.2/32')).toBe(false);
    expect(inSubnet('::1', '127.0.0.0/8')).toBe(false);
    expect(inSubnet(undefined, '127.0.0.0/8')).toBe(false);
    expect(inSubnet('127.0.0.1', 'nonsense')).toBe(false);
  });
});
