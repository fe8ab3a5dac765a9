import { readFileSync } from 'node:fs';
import { type ChannelCredentials, credentials, ServerCredentials } from '@grpc/grpc-js';

/**
 * Service identity: with an RpcIdentity, a gRPC server accepts only
 * callers that present a certificate signed by `ca` (mutual TLS, refused
 * at the handshake otherwise), and a client trusts only servers whose
 * certificate `ca` signed and which name the service they claim to be.
 * Without one, both sides speak plaintext, which config.ts allows on
 * loopback only.
 */
export interface RpcIdentity {
  /** PEM: the CA that signs every certificate of the deployment. */
  ca: Buffer;
  /** PEM: this process's certificate (server and client). */
  cert: Buffer;
  /** PEM: its private key. */
  key: Buffer;
}

/**
 * The name each service's certificate must carry (a DNS subjectAltName),
 * checked by its callers whatever address they reach it at, so one name
 * holds for every instance behind a list of addresses.
 */
export function certificateName(service: string): string {
  return `chorus-${service.split('.')[1]}`;
}

/** The certificate names of Chorus's two services. */
export const serviceNames = {
  auth: certificateName('chorus.auth.v1.AuthService'),
  social: certificateName('chorus.social.v1.SocialService'),
};

export function readRpcIdentity(files: { ca: string; cert: string; key: string }): RpcIdentity {
  return { ca: readFileSync(files.ca), cert: readFileSync(files.cert), key: readFileSync(files.key) };
}

export function serverCredentials(identity: RpcIdentity | undefined): ServerCredentials {
  if (!identity) return ServerCredentials.createInsecure();
  return ServerCredentials.createSsl(identity.ca, [{ cert_chain: identity.cert, private_key: identity.key }], true);
}

/** A client's credentials: its certificate when given, else plaintext. */
export function clientCredentials(identity: RpcIdentity | undefined): ChannelCredentials {
  return identity ? credentials.createSsl(identity.ca, identity.key, identity.cert) : credentials.createInsecure();
}
