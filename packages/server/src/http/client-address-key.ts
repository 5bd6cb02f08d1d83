import { isIP } from 'node:net';

/**
 * The key a client address is limited by: IPv4 as is (and IPv4-mapped IPv6, `::ffff:1.2.3.4`, as
 * the IPv4 address it is), IPv6 by its /64. One subscriber gets a whole /64 (RFC 6177) and can pick
 * any of its 2^64 addresses per request, so a limit per IPv6 address would limit nothing.
 */
export function clientAddressKey(address: string): string {
  const bare = address.includes('%') ? address.slice(0, address.indexOf('%')) : address;
  const version = isIP(bare);
  if (version !== 6) return bare;
  const lower = bare.toLowerCase();
  const mapped = /^(?:0*:)*:?(?:0*:)?ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (mapped && isIP(mapped[1] as string) === 4) return mapped[1] as string;
  const [head = '', tail] = lower.split('::');
  const front = head ? head.split(':') : [];
  const back = tail === undefined ? [] : tail ? tail.split(':') : [];
  // A trailing dotted quad counts as two groups; it only ever sits in the low 64 bits.
  const backGroups = back.flatMap((g) => (g.includes('.') ? ['0', '0'] : [g]));
  const groups = [...front, ...Array<string>(Math.max(0, 8 - front.length - backGroups.length)).fill('0'), ...backGroups];
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}
