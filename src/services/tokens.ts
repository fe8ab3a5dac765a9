import { hash, randomBytes } from 'node:crypto';

const TOKEN_BYTES = 32;
/** 32 bytes in unpadded base64url. */
const tokenPattern = /^[A-Za-z0-9_-]{43}$/;

export interface NewToken {
  /** Given to the client once; never stored. */
  token: string;
  /** What the store keeps (keys.session), so a leaked store cannot be replayed as tokens. */
  hash: string;
}

/** A bearer token with 256 bits of entropy from the OS CSPRNG. */
export function newToken(): NewToken {
  const token = randomBytes(TOKEN_BYTES).toString('base64url');
  return { token, hash: hashToken(token) };
}

/**
 * SHA-256 hex. A plain hash is enough (no salt, no stretching): the token is
 * random, so there is nothing to guess, and lookups need a deterministic key.
 */
export function hashToken(token: string): string {
  // The one-shot form: no Hash object per call (every API request hashes its token).
  return hash('sha256', token, 'hex');
}

/** Whether the input could be a token we issued; anything else is refused before touching the store. */
export function isTokenShape(input: unknown): input is string {
  return typeof input === 'string' && tokenPattern.test(input);
}
