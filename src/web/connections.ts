import { BlockList, isIP, type Server, type Socket } from 'node:net';

/** How long a client has to send a whole request, headers and body; a stalled one is then cut with 408. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** Headers are small: a client that has not finished them in this time is not a slow link but a held connection. */
const HEADERS_TIMEOUT_MS = 10_000;

/**
 * Node's own request deadlines, as Fastify options. Node checks them
 * every `connectionsCheckingInterval` (30 s by default, which would let a
 * 30 s deadline run to 60 s), so the check runs 4 times per deadline, at
 * most once a second. Every accepted body is small (BODY_LIMIT_BYTES), so
 * the deadline is also the minimum rate: 16 KiB in 30 s is about 0.5 KiB/s;
 * a body that arrives slower, or stalls, is cut.
 */
export function requestTimeouts(requestTimeoutMs: number) {
  if (!Number.isInteger(requestTimeoutMs) || requestTimeoutMs < 1) throw new RangeError('requestTimeoutMs must be a positive integer');
  return {
    requestTimeout: requestTimeoutMs,
    http: {
      headersTimeout: Math.min(HEADERS_TIMEOUT_MS, requestTimeoutMs),
      connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(requestTimeoutMs / 4))),
    },
  };
}

/** Caps on a server's open connections. */
export interface ConnectionLimits {
  /** Open connections in all; past it new ones are dropped (Node's `server.maxConnections`). */
  total: number;
  /** Open connections from one client address (an IPv6 client: its /64); past it new ones are dropped. */
  perAddress: number;
  /**
   * Addresses or CIDRs not capped per address: the trusted proxies, whose
   * connections carry many clients each (they still count in the total).
   */
  exempt?: readonly string[];
}

/**
 * Caps the connections `server` keeps open, so that connections held open
 * on purpose (a body sent a byte at a time, headers never finished) cannot
 * use up the process's file descriptors: in total below the descriptor
 * limit, and per client so one address cannot take the whole total. An
 * over-the-cap connection is closed as soon as it is accepted, before a
 * byte of it is read. The request timeouts are what end the held ones.
 */
export function limitConnections(server: Server, limits: ConnectionLimits): void {
  if (!Number.isInteger(limits.total) || limits.total < 1) throw new RangeError('total must be a positive integer');
  if (!Number.isInteger(limits.perAddress) || limits.perAddress < 1) throw new RangeError('perAddress must be a positive integer');
  server.maxConnections = limits.total;
  const exempt = blockListOf(limits.exempt ?? []);
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress;
    if (address === undefined) return;
    const plain = unmapped(address);
    if (exempt.check(plain, isIP(plain) === 6 ? 'ipv6' : 'ipv4')) return;
    const key = clientKey(plain);
    const count = open.get(key) ?? 0;
    if (count >= limits.perAddress) {
      socket.destroy();
      return;
    }
    open.set(key, count + 1);
    socket.once('close', () => {
      const left = (open.get(key) ?? 1) - 1;
      if (left === 0) open.delete(key);
      else open.set(key, left);
    });
  });
}

function blockListOf(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix] = entry.split('/');
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return list;
}

/** A dual-stack server sees IPv4 clients as `::ffff:a.b.c.d`. */
function unmapped(address: string): string {
  return /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(address) ? address.slice(7) : address;
}

/**
 * What one client is: its IPv4 address, or the /64 of its IPv6 address,
 * since one subscriber commonly holds a whole /64 and could otherwise use
 * a fresh address per connection.
 */
export function clientKey(address: string): string {
  if (isIP(address) !== 6) return address;
  const [head = '', tail] = address.toLowerCase().split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
