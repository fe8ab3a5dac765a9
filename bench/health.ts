/**
 * A gRPC health client (grpc.health.v1), used to time the social service's
 * cold start: it says SERVING only once it can answer.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const require = createRequire(import.meta.url);

interface HealthClient extends grpc.Client {
  Check(
    request: { service: string },
    options: grpc.CallOptions,
    callback: (error: grpc.ServiceError | null, response?: { status: string }) => void,
  ): void;
}

function healthClient(address: string): HealthClient {
  const file = require.resolve('grpc-health-check/proto/health/v1/health.proto');
  const definition = protoLoader.loadSync(file, { includeDirs: [path.dirname(file)], keepCase: true, enums: String });
  const pkg = grpc.loadPackageDefinition(definition) as any;
  return new pkg.grpc.health.v1.Health(address, grpc.credentials.createInsecure()) as HealthClient;
}

function check(client: HealthClient, service: string): Promise<string> {
  return new Promise((resolve) => {
    client.Check({ service }, { deadline: Date.now() + 1000 }, (error, response) =>
      resolve(error ? `error: ${error.code}` : (response?.status ?? 'UNKNOWN')),
    );
  });
}

/**
 * Polls until both the server as a whole ('') and each named service say
 * SERVING; rejects after timeoutMs with the last answers. `abort` is polled
 * to give up early (the process died).
 */
export async function waitServing(
  address: string,
  services: string[],
  timeoutMs: number,
  abort: () => string | undefined = () => undefined,
): Promise<void> {
  const client = healthClient(address);
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const reason = abort();
      if (reason) throw new Error(reason);
      const answers = await Promise.all(['', ...services].map((s) => check(client, s)));
      if (answers.every((a) => a === 'SERVING')) return;
      if (Date.now() > deadline) throw new Error(`${address} not SERVING after ${timeoutMs} ms: ${answers.join(', ')}`);
      await sleep(20);
    }
  } finally {
    client.close();
  }
}
