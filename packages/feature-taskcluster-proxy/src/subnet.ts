/** Whether `address` (IPv4, or IPv4-mapped IPv6 as Node reports it) lies in the IPv4 CIDR `subnet`. */
export function inSubnet(address: string | undefined, subnet: string): boolean {
  if (!address) return false;
  const ip = toNumber(address.replace(/^::ffff:/i, ''));
  const [base = '', bitsText = '32'] = subnet.split('/');
  const network = toNumber(base);
  const bits = Number(bitsText);
  if (ip === undefined || network === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return ((ip & mask) >>> 0) === ((network & mask) >>> 0);
}

function toNumber(ipv4: string): number | undefined {
  const parts = ipv4.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    value = value * 256 + Number(part);
  }
  return value;
}
