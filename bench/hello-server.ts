/**
 * The ceiling of any Node.js HTTP service on this machine: a bare node:http
 * hello world, in its own process like the web tier. Listens on
 * 127.0.0.1:<argv[2]> (0 for a free port) and prints "listening <port>".
 */
import { createServer } from 'node:http';

const body = Buffer.from('hello world\n');
const server = createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
  response.end(body);
});
// Fastify's default, so idle keep-alive connections are treated alike.
server.keepAliveTimeout = 72_000;
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening ${typeof address === 'object' && address ? address.port : ''}`);
});
const stop = () => server.close();
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
