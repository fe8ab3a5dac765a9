import fastifyFormbody from '@fastify/formbody';
import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { invalid } from '../../domain/errors.js';
import { BODY_LIMIT_BYTES, HttpStatus } from '../errors.js';
import { type Params, parsePairs, parseQuery } from './params.js';

/**
 * The bodies Mastodon clients send, for the Mastodon API scope only: JSON
 * (the app-wide parser), urlencoded forms and multipart/form-data (masto.js
 * sends multipart to /oauth/token and POST /api/v1/accounts), the last two
 * with Rails-style names (`id[]`, `poll[options][]`) read as arrays and
 * objects. Every kind is held to the app's one body limit. The page forms
 * register their own plain form parser in their own scope, so nothing here
 * changes how they read.
 */

/** Field names are short in every Mastodon endpoint; anything near this is not a client. */
const FIELD_NAME_MAX = 100;
const FIELDS_MAX = 200;
/** Chorus stores no media: a file part is read (to reach the fields after it) and dropped. */
const FILES_MAX = 4;

const tooLarge = () =>
  Object.assign(new Error(`The request body is too large (at most ${BODY_LIMIT_BYTES / 1024} KiB).`), {
    statusCode: HttpStatus.contentTooLarge,
  });

/** Call inside the Mastodon scope (not registered as its own plugin), so the parsers stay in that scope. */
export async function mastodonBodies(app: FastifyInstance): Promise<void> {
  // Fastify reads text/plain by default; no Mastodon endpoint takes it, so it is refused as unsupported.
  app.removeContentTypeParser('text/plain');
  await app.register(fastifyFormbody, { parser: parseQuery, bodyLimit: BODY_LIMIT_BYTES });
  await app.register(fastifyMultipart, {
    limits: {
      fieldNameSize: FIELD_NAME_MAX,
      fieldSize: BODY_LIMIT_BYTES,
      fields: FIELDS_MAX,
      files: FILES_MAX,
      fileSize: BODY_LIMIT_BYTES,
      parts: FIELDS_MAX + FILES_MAX,
    },
  });
  app.addHook('preValidation', async (request) => {
    if (request.isMultipart()) request.body = await readMultipart(request);
  });
}

/** The fields of a multipart body, Rails' way; 413 past the body limit in all, 422 when it is not multipart at all. */
async function readMultipart(request: FastifyRequest): Promise<Params> {
  const pairs: Array<[string, string]> = [];
  let bytes = 0;
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        bytes += (await part.toBuffer()).length;
      } else {
        if (part.valueTruncated || part.fieldnameTruncated) throw tooLarge();
        const value = typeof part.value === 'string' ? part.value : JSON.stringify(part.value);
        bytes += part.fieldname.length + value.length;
        pairs.push([part.fieldname, value]);
      }
      if (bytes > BODY_LIMIT_BYTES) throw tooLarge();
    }
  } catch (error) {
    const status = (error as { statusCode?: unknown }).statusCode;
    // The multipart plugin's own refusals (limits, bad framing) say what was wrong; the parser underneath does not.
    if (typeof status === 'number' && status < HttpStatus.internalServerError) throw error;
    throw invalid('The multipart/form-data body is malformed.');
  }
  return parsePairs(pairs);
}
