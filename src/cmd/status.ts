import type { Config } from '../config.js';
import type { InstanceStatus } from '../domain/status.js';
import { VERSION } from '../version.js';

/** `all`: web, auth and social share this process, so they share its version and uptime, and answer while it does. */
export function inProcessInstances(config: Config, ports: { authPort: number; socialPort: number }): InstanceStatus[] {
  const up = process.uptime();
  const instance = (name: string, address: string): InstanceStatus => ({ name, address, ready: true, version: VERSION, uptimeSeconds: up });
  return [
    instance('web', `in process (${config.host}:${config.port})`),
    instance('auth', `in process, gRPC ${config.rpcHost}:${ports.authPort}`),
    instance('social', `in process, gRPC ${config.rpcHost}:${ports.socialPort}`),
  ];
}
