/**
 * Timeouts and connection caps (issue 14), over real sockets on loopback:
 * a body (or headers) that stalls or trickles is cut after the request
 * timeout; 2,000 stalled-body connections leave the server answering
 * others at once and are all cut in time; one address cannot hold more
 * than its share, and the total stays under its cap. Small timeouts keep
 * the file short; every wait is bounded.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import type { ConnectionLimits } from '../../src/web/connections.js';
import { eventually } from '../helpers/eventually.js';
import { type Harness, openHarness } from '../web/web-harness.js';

interface Held {
  socket: Socket;
  /** What the server wrote back. */
  received: () => string;
  /** Resolves with the ms from connecting to the server closing the connection. */
  closed: Promise<number>;
  isClosed: () => boolean;
}

const STALLED_BODY =
  'POST /api/v1/statuses HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 16000\r\n\r\n{"stat';

/** Every connection the tests open, so each suite can close its own even when a test failed midway. */
const allSockets = new Set<Socket>();
const closeOpened = () => {
  for (const socket of allSockets) socket.destroy();
  allSockets.clear();
};

/** Opens a connection from `localAddress` (anything in 127/8 reaches 127.0.0.1) and sends `start`. */
async function hold(port: number, localAddress: string, start: string): Promise<Held> {
  const socket = connect({ host: '127.0.0.1', port, localAddress });
  allSockets.add(socket);
  let received = '';
  let closed = false;
  const opened = performance.now();
  socket.on('data', (chunk) => {
    received += chunk.toString();
  });
  socket.on('error', () => {
    // A reset is one of the ways a refused connection ends.
  });
  // Not events.once: it rejects on the 'error' (a reset) that comes before the close.
  const closing = new Promise<number>((resolve) =>
    socket.once('close', () => {
      closed = true;
      resolve(performance.now() - opened);
    }),
  );
  await Promise.race([once(socket, 'connect'), closing]);
  if (!closed) socket.write(start);
  return { socket, received: () => received, closed: closing, isClosed: () => closed };
}

/** `promise`, or a failure after `ms`: a server that never cuts a connection must fail the test, not hang it. */
async function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  const timer = sleep(ms).then(() => Promise.reject(new Error(`${what}: not within ${ms} ms`)));
  return Promise.race([promise, timer]);
}

/** A plain GET on a fresh connection from `localAddress`: its status and how long it took. */
function get(port: number, path: string, localAddress: string): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, localAddress, agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

async function listening(limits: { requestTimeoutMs: number; connections?: ConnectionLimits }): Promise<{ h: Harness; port: number }> {
  const h = await openHarness({ limits });
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  const address = h.app.server.address();
  assert.ok(address && typeof address === 'object');
  return { h, port: address.port };
}

describe('a request that stalls is cut after the request timeout', () => {
  let h: Harness;
  let port: number;
  before(async () => {
    ({ h, port } = await listening({ requestTimeoutMs: 1000 }));
  });
  after(async () => {
    closeOpened();
    await h.close();
  });

  it('cuts a stalled body, a trickling body and unfinished headers with 408, a second or so after they began', async () => {
    const stalled = await hold(port, '127.0.0.1', STALLED_BODY);
    const headers = await hold(port, '127.0.0.1', 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    const trickle = await hold(port, '127.0.0.1', STALLED_BODY);
    // One byte every 100 ms keeps the connection busy, but not the request alive.
    const dripping = (async () => {
      for (let i = 0; i < 50 && !trickle.isClosed(); i++) {
        trickle.socket.write('x');
        await sleep(100);
      }
    })();
    const times = await within(5000, Promise.all([stalled.closed, headers.closed, trickle.closed]), 'the cut');
    await dripping;
    for (const [i, ms] of times.entries()) assert.ok(ms >= 900 && ms < 3000, `connection ${i} closed after ${Math.round(ms)} ms`);
    for (const held of [stalled, headers, trickle]) assert.match(held.received(), /^HTTP\/1\.1 408 /);
    assert.equal((await get(port, '/healthz', '127.0.0.1')).status, 200, 'and the server goes on');
  });

  it('leaves a streaming WebSocket open past the request timeout: its request ended at the upgrade', async () => {
    const token = (await h.auth.signUp('streamer', 'a fine password')).token;
    const socket = new WebSocket(`ws://127.0.0.1:${port}/api/v1/streaming?stream=public&access_token=${token}`);
    try {
      await within(5000, once(socket, 'open'), 'the upgrade');
      await sleep(2500);
      assert.equal(socket.readyState, WebSocket.OPEN, 'open after 2.5 request timeouts');
    } finally {
      socket.close();
    }
  });
});

describe('2,000 stalled-body connections', () => {
  let h: Harness;
  let port: number;
  const held: Held[] = [];
  before(async () => {
    ({ h, port } = await listening({ requestTimeoutMs: 6000, connections: { total: 4000, perAddress: 50 } }));
  });
  after(async () => {
    closeOpened();
    await h.close();
  });

  it('leave the server answering others at once, and are all cut when their time is up', async (t) => {
    // 40 addresses of 50 connections each: every one within the caps, so all 2,000 are held.
    for (let batch = 0; batch < 20; batch++) {
      const opening = Array.from({ length: 100 }, (_, i) => {
        const n = batch * 100 + i;
        return hold(port, `127.0.0.${10 + (n % 40)}`, STALLED_BODY);
      });
      held.push(...(await Promise.all(opening)));
    }
    const openedAt = performance.now();
    await sleep(200);
    assert.equal(held.filter((c) => c.isClosed()).length, 0, 'all 2,000 are open and stalled');

    const answers = [];
    for (const path of ['/healthz', '/', '/static/style.css', '/api/v1/instance', '/login'])
      answers.push(await get(port, path, '127.0.0.2'));
    for (const answer of answers) assert.equal(answer.status, 200);
    const slowest = Math.max(...answers.map((a) => a.ms));
    assert.ok(slowest < 1000, `slowest answer ${Math.round(slowest)} ms`);
    t.diagnostic(`with 2,000 stalled bodies held: ${answers.map((a) => Math.round(a.ms)).join(', ')} ms`);
    await assert.rejects(get(port, '/healthz', '127.0.0.10'), 'an address at its cap gets no new connection');
    assert.ok(performance.now() - openedAt < 5000, 'the checks ran while all were still held');

    await eventually(() => held.every((c) => c.isClosed()), { timeoutMs: 10_000, what: 'every stalled connection cut' });
    t.diagnostic(`all cut ${Math.round(performance.now() - openedAt)} ms after the last was opened`);
    const cut = held.filter((c) => /^HTTP\/1\.1 408 /.test(c.received())).length;
    assert.ok(cut > 1900, `${cut} of 2,000 were answered 408 before the close`);
    assert.equal((await get(port, '/healthz', '127.0.0.10')).status, 200, 'the address has its share back');
  });
});

describe('connection caps', () => {
  let h: Harness;
  let port: number;
  before(async () => {
    ({ h, port } = await listening({ requestTimeoutMs: 20_000, connections: { total: 30, perAddress: 10, exempt: ['127.0.0.99'] } }));
  });
  after(async () => {
    closeOpened();
    await h.close();
  });

  const settle = async (connections: Held[]) => {
    await sleep(300);
    return { open: connections.filter((c) => !c.isClosed()).length, closed: connections.filter((c) => c.isClosed()).length };
  };

  it('close connections past the per-address cap, and past the total, before reading them', async () => {
    const greedy = await Promise.all(Array.from({ length: 14 }, () => hold(port, '127.0.0.60', STALLED_BODY)));
    assert.deepEqual(await settle(greedy), { open: 10, closed: 4 });
    for (const refused of greedy.filter((c) => c.isClosed())) assert.equal(refused.received(), '', 'closed unread, unanswered');

    // A trusted proxy is not capped per address, but counts in the total: 10 + 20 fill it.
    const proxy = await Promise.all(Array.from({ length: 20 }, () => hold(port, '127.0.0.99', STALLED_BODY)));
    assert.deepEqual(await settle(proxy), { open: 20, closed: 0 });
    await assert.rejects(get(port, '/healthz', '127.0.0.61'), 'the total is reached: no descriptor for anyone else');

    for (const connection of greedy) connection.socket.destroy();
    await eventually(async () => (await get(port, '/healthz', '127.0.0.61').catch(() => ({ status: 0 }))).status === 200, {
      what: 'room again once connections close',
    });
  });
});
