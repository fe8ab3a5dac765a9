import { createHash } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';
import type { FastifyPluginAsync } from 'fastify';
import { lookupUsername } from '../../domain/account.js';
import type { RouteContext } from '../context.js';

/**
 * The image every Account entity's `avatar` points at
 * (entities/account.ts avatarUrl): a solid square in a colour derived from
 * the username, until Chorus has uploaded avatars. PNG, as Tusky's image
 * loader and iOS clients do not draw SVG. Outside the Mastodon scope: it
 * is an image, not an API answer. 404 for a user nobody holds.
 */

export const AVATAR_SIZE = 48;
/** A day: the picture only changes if the derivation does. */
const AVATAR_MAX_AGE_SECONDS = 86_400;

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A `size`×`size` 8-bit RGB PNG of one colour. */
export function solidPng(size: number, [r, g, b]: readonly [number, number, number]): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: RGB
  // compression, filter and interlace methods stay 0.
  const row = Buffer.alloc(1 + size * 3); // filter byte 0 (none), then the pixels
  for (let x = 0; x < size; x++) row.set([r, g, b], 1 + x * 3);
  const pixels = Buffer.concat(Array.from({ length: size }, () => row));
  return Buffer.concat([PNG_SIGNATURE, chunk('IHDR', header), chunk('IDAT', deflateSync(pixels)), chunk('IEND', new Uint8Array(0))]);
}

/** A colour from the username's hash: any hue, a saturation and lightness that read well on light and dark themes. */
export function avatarColour(username: string): [number, number, number] {
  const digest = createHash('sha256').update(username).digest();
  const hue = digest.readUInt16BE(0) % 360;
  return hslToRgb(hue, 0.55, 0.5);
}

function hslToRgb(hue: number, saturation: number, lightness: number): [number, number, number] {
  const chroma = (1 - Math.abs(2 * lightness - 1)) * saturation;
  const x = chroma * (1 - Math.abs(((hue / 60) % 2) - 1));
  const m = lightness - chroma / 2;
  const [r, g, b] =
    hue < 60
      ? [chroma, x, 0]
      : hue < 120
        ? [x, chroma, 0]
        : hue < 180
          ? [0, chroma, x]
          : hue < 240
            ? [0, x, chroma]
            : hue < 300
              ? [x, 0, chroma]
              : [chroma, 0, x];
  return [Math.round((r + m) * 255), Math.round((g + m) * 255), Math.round((b + m) * 255)];
}

export const avatarRoutes: FastifyPluginAsync<RouteContext> = async (app, { social }) => {
  app.get('/avatars/:file', async (request, reply) => {
    const { file } = request.params as { file: string };
    const name = file.endsWith('.png') ? file.slice(0, -'.png'.length) : '';
    const username = lookupUsername(name);
    await social.getProfile(username);
    return reply
      .type('image/png')
      .header('cache-control', `public, max-age=${AVATAR_MAX_AGE_SECONDS}`)
      .send(solidPng(AVATAR_SIZE, avatarColour(username)));
  });
};
