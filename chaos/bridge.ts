/**
 * TCP over Unix sockets between two network namespaces, so a process in
 * its own namespace can talk to loopback ports of the main one (and be
 * reached on its own loopback) while every listener stays on 127.0.0.1.
 * The harness runs one end in process; this file, run as a script inside
 * the namespace, is the other: `node bridge.js tcp:PORT=unix:PATH ...`
 * listens on 127.0.0.1:PORT and forwards to PATH; `unix:PATH=tcp:PORT`
 * listens on PATH and forwards to 127.0.0.1:PORT.
 */

import { rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

export type Endpoint = { tcp: number } | { unix: string };

function dial(to: Endpoint): Socket {
  return 'tcp' in to ? connect({ host: '127.0.0.1', port: to.tcp }) : connect({ path: to.unix });
}

/** Joins two sockets; either one closing or failing closes both. */
export function splice(a: Socket, b: Socket): void {
  a.pipe(b);
  b.pipe(a);
  const end = () => {
    a.destroy();
    b.destroy();
  };
  for (const s of [a, b]) {
    s.once('error', end);
    s.once('close', end);
  }
}

/**
 * Listens on `from` and forwards each connection to `to`, unless `admit`
 * says no: then the connection is closed at once. Resolves once listening.
 */
export async function forward(from: Endpoint, to: Endpoint, admit: (incoming: Socket) => boolean = () => true): Promise<Server> {
  if ('unix' in from) rmSync(from.unix, { force: true });
  const server = createServer((incoming) => {
    if (!admit(incoming)) {
      incoming.destroy();
      return;
    }
    splice(incoming, dial(to));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if ('tcp' in from) server.listen({ host: '127.0.0.1', port: from.tcp }, resolve);
    else server.listen(from.unix, resolve);
  });
  return server;
}

function parse(text: string): Endpoint {
  const [kind, value] = text.split(/:(.*)/s) as [string, string];
  return kind === 'tcp' ? { tcp: Number(value) } : { unix: value };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const rule of process.argv.slice(2)) {
    const [from, to] = rule.split('=') as [string, string];
    await forward(parse(from), parse(to));
  }
  console.log('bridge ready');
}
