import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { httpRequestDuration, httpRequestsInFlight, registry, statusClass } from '../metrics/metrics.js';

const started = Symbol('metrics started');
type Timed = FastifyRequest & { [started]?: number };

/**
 * Times every request with two hooks and a clock read: the route label is
 * Fastify's pattern (`/api/v1/statuses/:id`), so a million ids make one
 * series, and an unmatched URL is `unmatched`, never the URL itself.
 */
export function measureRequests(app: FastifyInstance): void {
  // Callback-style hooks: no promise per request for a clock read and a counter.
  app.addHook('onRequest', (request: Timed, _reply, done) => {
    request[started] = performance.now();
    httpRequestsInFlight.inc();
    done();
  });
  const finish = (request: Timed, reply: FastifyReply) => {
    const start = request[started];
    if (start === undefined) return;
    request[started] = undefined;
    httpRequestsInFlight.dec();
    httpRequestDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_class: statusClass(reply.statusCode) },
      (performance.now() - start) / 1000,
    );
  };
  app.addHook('onResponse', (request: Timed, reply, done) => {
    finish(request, reply);
    done();
  });
  // A client gone before its answer gets no onResponse; the request still ended.
  app.addHook('onRequestAbort', (request: Timed, done) => {
    if (request[started] !== undefined) {
      request[started] = undefined;
      httpRequestsInFlight.dec();
    }
    done();
  });
}

/**
 * `/metrics` on the public listener, for a deployment whose scraper cannot
 * reach the admin listener: only with `Authorization: Bearer <token>`, and
 * 404 to everyone else, as if it did not exist. Without a token configured
 * the route is not there at all.
 */
export function publicMetricsRoute(app: FastifyInstance, token: string | undefined): void {
  if (token === undefined) return;
  const expected = Buffer.from(`Bearer ${token}`);
  app.get('/metrics', async (request, reply) => {
    const given = Buffer.from(request.headers.authorization ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return reply.callNotFound();
    }
    const text = await registry.metrics();
    return reply.header('cache-control', 'no-store').type(registry.contentType).send(text);
  });
}
