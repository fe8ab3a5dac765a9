import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import tls from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { CertificateFiles } from '../../src/local-tls/authority.js';

/**
 * What an outsider's plain grpc-js client sees of a Chorus service: a
 * health check with whatever credentials it has, and the bare TLS
 * handshake underneath, to tell a refusal at the handshake from one later.
 */
const require = createRequire(import.meta.url);
const healthProto = require.resolve('grpc-health-check/proto/health/v1/health.proto');
const reflectionProto = require.resolve('@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto');
const load = (file: string, includeDir: string) =>
  grpc.loadPackageDefinition(protoLoader.loadSync(file, { includeDirs: [includeDir], keepCase: true, enums: String })) as any;

/** A caller's credentials: none (plaintext), TLS trusting `ca` only, or TLS presenting a certificate as well. */
export function credentialsOf(ca?: string, identity?: CertificateFiles): grpc.ChannelCredentials {
  if (!ca) return grpc.credentials.createInsecure();
  if (!identity) return grpc.credentials.createSsl(readFileSync(ca));
  return grpc.credentials.createSsl(readFileSync(ca), readFileSync(identity.key), readFileSync(identity.cert));
}

/** The health status of the whole server (''), or `refused <code>: <details>`; each attempt gives up after 3 s. */
export function healthCheck(address: string, credentials: grpc.ChannelCredentials, serverName: string): Promise<string> {
  const client = new (load(healthProto, path.dirname(healthProto)).grpc.health.v1.Health)(address, credentials, {
    'grpc.ssl_target_name_override': serverName,
  });
  return new Promise<string>((resolve) =>
    client.Check({ service: '' }, { deadline: Date.now() + 3000 }, (error: grpc.ServiceError | null, response?: { status: string }) =>
      resolve(error ? `refused ${grpc.status[error.code]}: ${error.details}` : (response?.status ?? 'no answer')),
    ),
  ).finally(() => client.close());
}

/** The services server reflection lists. */
export function reflectedServices(address: string, credentials: grpc.ChannelCredentials, serverName: string): Promise<string[]> {
  const pkg = load(reflectionProto, path.resolve(path.dirname(reflectionProto), '../../..'));
  const client = new pkg.grpc.reflection.v1.ServerReflection(address, credentials, { 'grpc.ssl_target_name_override': serverName });
  return new Promise<string[]>((resolve, reject) => {
    const call = client.ServerReflectionInfo({ deadline: Date.now() + 3000 });
    call.on('data', (r: any) => {
      resolve(r.list_services_response.service.map((s: { name: string }) => s.name));
      call.end();
    });
    call.on('error', reject);
    call.write({ list_services: '' });
  }).finally(() => client.close());
}

/**
 * A TLS handshake with the server at 127.0.0.1:port, as HTTP/2 starts one.
 * With TLS 1.3 the server judges the client's certificate after the
 * client thinks it is connected, so the connection counts as accepted only
 * if it is still open half a second later.
 */
export function handshake(port: number, ca: string, serverName: string, identity?: CertificateFiles): Promise<string> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const socket = tls.connect({
      host: '127.0.0.1',
      port,
      ca: readFileSync(ca),
      servername: serverName,
      ALPNProtocols: ['h2'],
      ...(identity && { cert: readFileSync(identity.cert), key: readFileSync(identity.key) }),
    });
    const settle = (outcome: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    socket.on('secureConnect', () => {
      timer = setTimeout(() => settle('accepted'), 500);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => settle(`refused: ${error.code ?? error.message}`));
    socket.on('close', () => settle('refused: closed'));
  });
}
