import { fileURLToPath } from 'node:url';
import { Server, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import { measureUnaryCalls } from './measure.js';
import { type RpcIdentity, serverCredentials } from './tls.js';

export interface GrpcService {
  /** Fully qualified name, e.g. chorus.auth.v1.AuthService, as health checks ask for it. */
  name: string;
  definition: ServiceDefinition;
  implementation: UntypedServiceImplementation;
  /** The .proto file under proto/, for server reflection. */
  protoFile: string;
  /** Called when the server starts draining: ends long-lived streams so their callers move elsewhere. */
  drain?: () => void;
}

export interface GrpcServer {
  /** The bound port (useful when asked for port 0). */
  port: number;
  /** Health says NOT_SERVING from now on, so balancers move away before we stop. */
  drain(): void;
  /** Stops accepting, lets in-flight calls finish for up to graceMs, then cuts the rest. */
  close(graceMs: number): Promise<void>;
}

const protoRoot = fileURLToPath(new URL('../../../proto/', import.meta.url));

/**
 * Serves the services with gRPC health checking and server reflection (so
 * grpcurl works). With an identity, every caller must present a
 * certificate from its CA, health and reflection included; without one,
 * anyone who reaches the port may call (config.ts allows that on loopback only).
 */
export async function startGrpcServer(host: string, port: number, services: GrpcService[], identity?: RpcIdentity): Promise<GrpcServer> {
  const server = new Server({ 'grpc.max_receive_message_length': 1 << 20 });
  const health = new HealthImplementation({ '': 'SERVING' });
  for (const service of services) {
    server.addService(service.definition, measureUnaryCalls(service.definition, service.implementation));
    health.setStatus(service.name, 'SERVING');
  }
  health.addToServer(server);
  const packageDefinition = protoLoader.loadSync(
    services.map((s) => s.protoFile),
    { includeDirs: [protoRoot], keepCase: true, longs: Number },
  );
  new ReflectionService(packageDefinition).addToServer(server);

  const boundPort = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host.includes(':') ? `[${host}]` : host}:${port}`, serverCredentials(identity), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );

  const drain = () => {
    health.setStatus('', 'NOT_SERVING');
    for (const service of services) health.setStatus(service.name, 'NOT_SERVING');
    for (const service of services) service.drain?.();
  };
  return {
    port: boundPort,
    drain,
    close: (graceMs) =>
      new Promise<void>((resolve) => {
        drain();
        const timer = setTimeout(() => server.forceShutdown(), graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}
