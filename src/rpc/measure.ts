import { type handleUnaryCall, type ServiceDefinition, status, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { rpcServerDuration } from '../metrics/metrics.js';

const statusNames = new Map<number, string>(
  Object.entries(status)
    .filter(([, code]) => typeof code === 'number')
    .map(([name, code]) => [code as number, name]),
);

/**
 * Every unary handler of a service, timed into the RPC histogram by method
 * and outcome (the gRPC status it answered). Done once here, where the
 * server is assembled, so no service can forget it; streams (watches) are
 * long-lived and not timed.
 */
export function measureUnaryCalls(
  definition: ServiceDefinition,
  implementation: UntypedServiceImplementation,
): UntypedServiceImplementation {
  const measured: UntypedServiceImplementation = { ...implementation };
  for (const [name, method] of Object.entries(definition)) {
    const handler = implementation[name];
    if (!handler || method.requestStream || method.responseStream) continue;
    const unaryHandler = handler as handleUnaryCall<unknown, unknown>;
    const path = method.path;
    measured[name] = ((call, callback) => {
      const start = performance.now();
      unaryHandler(call, (error, ...rest) => {
        const code = error ? (error.code ?? status.UNKNOWN) : status.OK;
        rpcServerDuration.observe({ method: path, outcome: statusNames.get(code) ?? String(code) }, (performance.now() - start) / 1000);
        callback(error, ...rest);
      });
    }) satisfies handleUnaryCall<unknown, unknown>;
  }
  return measured;
}
