import fastifyWebsocket from '@fastify/websocket';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { DomainError } from '../../domain/errors.js';
import { statusId } from '../../domain/mastodon-ids.js';
import { type ScopeNeed, scopeAllows } from '../../domain/oauth.js';
import { trackStreamHub } from '../../metrics/metrics.js';
import { notificationsFrom, statusesFrom } from '../api/render.js';
import { publicOrigin } from '../api/urls.js';
import type { RouteContext } from '../context.js';
import { bearerToken } from '../session.js';
import { wellFormedJson } from '../unicode.js';
import { isStreamName, StreamHub, type StreamListener, type StreamName } from './hub.js';

/** Bytes a socket may have unsent before it is closed as too slow (it reconnects and misses nothing it would have kept). */
const MAX_BUFFERED_BYTES = 4 << 20;
const MAX_MESSAGE_BYTES = 4096;
const CLOSE_GRACE_MS = 1000;

declare module 'fastify' {
  interface FastifyRequest {
    /** The streaming socket's account, token and scopes, once its token has been checked before the upgrade. */
    streamingUser?: string;
    streamingToken?: string;
    streamingScopes?: readonly string[];
  }
}

/** The scope each stream needs, as Mastodon's streaming server asks. */
function streamScope(stream: StreamName): ScopeNeed {
  return stream === 'user:notification' ? 'read:notifications' : 'read:statuses';
}

/**
 * The token of a streaming request: the Authorization header, else the
 * Sec-WebSocket-Protocol header (browsers cannot set headers on a
 * WebSocket; the protocol is echoed back by the upgrade), else
 * `?access_token=`, as Mastodon's streaming server reads them.
 */
function streamingToken(request: FastifyRequest): string {
  if (request.headers.authorization) return bearerToken(request);
  const protocol = request.headers['sec-websocket-protocol']?.split(',')[0]?.trim();
  if (protocol) return protocol;
  const query = request.query as Record<string, unknown>;
  if (typeof query.access_token === 'string' && query.access_token !== '') return query.access_token;
  throw new DomainError('unauthenticated', 'Missing access token');
}

function requestedStream(request: FastifyRequest): StreamName | undefined {
  const stream = (request.query as Record<string, unknown>).stream;
  if (stream === undefined || stream === '') return undefined;
  if (!isStreamName(stream)) throw new DomainError('invalid', 'Unknown stream type');
  return stream;
}

/**
 * GET /api/v1/streaming: Mastodon's streaming API over a WebSocket. The
 * token is checked before the upgrade (401 in Mastodon's error shape
 * without one; it needs read:statuses, or read:notifications for `user:notification`). `?stream=` subscribes at once;
 * `{"type":"subscribe"|"unsubscribe","stream":"…"}` messages change the
 * subscriptions later. Frames are `{"stream":[name],"event":"update",
 * "payload":"<Status JSON>"}`, `{"stream":[name],"event":"delete",
 * "payload":"<status id>"}` and, on `user` and `user:notification`,
 * `{"stream":[name],"event":"notification","payload":"<Notification
 * JSON>"}`. Every socket of this instance shares one subscription to the
 * social service (StreamHub).
 */
export const streamingRoutes: FastifyPluginAsync<RouteContext> = async (app, { auth, social }) => {
  const hub = new StreamHub(social, (message, error) => app.log.warn({ err: error }, message));
  const untrack = trackStreamHub(hub);
  app.addHook('onClose', async () => {
    untrack();
    await hub.close();
  });
  await app.register(fastifyWebsocket, {
    options: { maxPayload: MAX_MESSAGE_BYTES },
    // Says goodbye to every socket (1001, going away: clients reconnect elsewhere) and cuts those that do not answer.
    preClose(done) {
      for (const client of this.websocketServer.clients) {
        client.close(1001, 'Server shutting down');
        setTimeout(() => client.terminate(), CLOSE_GRACE_MS).unref();
      }
      this.websocketServer.close();
      done();
    },
  });

  app.route({
    method: 'GET',
    url: '/api/v1/streaming',
    preValidation: async (request) => {
      const need = streamScope(requestedStream(request) ?? 'user');
      const token = streamingToken(request);
      const grant = await auth.inspectToken(token);
      if (!grant.account) throw new DomainError('unauthenticated', 'This method requires an authenticated user.');
      if (!scopeAllows(grant.scopes, need)) {
        throw new DomainError('forbidden', `This action is outside the authorized scopes (needs ${need}).`);
      }
      request.streamingUser = grant.account.username;
      request.streamingToken = token;
      request.streamingScopes = grant.scopes;
    },
    // A plain HTTP request (no Upgrade) is told what to send instead.
    handler: async () => {
      throw new DomainError('invalid', 'This endpoint speaks WebSocket: send an Upgrade request.');
    },
    wsHandler: (socket, request) => serveSocket(hub, socket, request),
  });
};

function serveSocket(hub: StreamHub, socket: WebSocket, request: FastifyRequest): void {
  const origin = publicOrigin(request).origin;
  const username = request.streamingUser!;
  const scopes = request.streamingScopes ?? [];
  const streams = new Set<StreamName>();
  const initial = requestedStream(request);
  if (initial) streams.add(initial);

  const send = (frame: unknown) => {
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      socket.close(1013, 'Too slow');
      return;
    }
    socket.send(wellFormedJson(frame));
  };
  const listener: StreamListener = {
    username,
    token: request.streamingToken!,
    streams,
    update(post, described, names) {
      const [status] = statusesFrom(origin, [post], described, username);
      if (!status) return;
      // Described for no one in particular: a new post's flags are false for all but its reblogger, who has reblogged it.
      if (status.reblog && post.author === username) {
        status.reblogged = true;
        status.reblog.reblogged = true;
      }
      const payload = wellFormedJson(status);
      for (const name of names) send({ stream: [name], event: 'update', payload });
    },
    delete(postId) {
      for (const name of streams) if (name !== 'user:notification') send({ stream: [name], event: 'delete', payload: statusId(postId) });
    },
    notification(notification, { described, actors }, names) {
      const [entity] = notificationsFrom(origin, [notification], described, actors, username);
      if (!entity) return;
      const payload = wellFormedJson(entity);
      for (const name of names) send({ stream: [name], event: 'notification', payload });
    },
    ended() {
      // As a logout ends the session everywhere, it ends its streams; a client that reconnects is refused.
      socket.close(1008, 'Session ended');
    },
  };
  const remove = hub.add(listener);
  socket.on('close', remove);
  socket.on('error', () => socket.terminate());
  socket.on('message', (data, isBinary) => {
    let message: { type?: unknown; stream?: unknown };
    try {
      message = isBinary ? {} : JSON.parse(data.toString());
    } catch {
      send({ error: 'Invalid JSON', status: 400 });
      return;
    }
    if (message === null || typeof message !== 'object') return send({ error: 'Invalid message', status: 400 });
    if (message.type !== 'subscribe' && message.type !== 'unsubscribe') return send({ error: 'Unknown message type', status: 400 });
    if (!isStreamName(message.stream)) return send({ error: 'Unknown stream type', status: 400 });
    if (message.type === 'subscribe' && !scopeAllows(scopes, streamScope(message.stream))) {
      return send({ error: `Access token does not have the required scopes (${streamScope(message.stream)})`, status: 401 });
    }
    if (message.type === 'subscribe') streams.add(message.stream);
    else streams.delete(message.stream);
  });
}
