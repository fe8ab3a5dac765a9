import { isIP } from 'node:net';
import type { ChannelOptions } from '@grpc/grpc-js';
import { certificateName } from '../rpc/tls.js';

/**
 * One long-lived channel per service, balancing round-robin over every
 * address given, with grpc-js's own retries for the methods that are safe
 * to repeat. A call that failed with UNAVAILABLE may or may not have run,
 * so only reads and idempotent writes are listed by the callers.
 */
export function channelTarget(addresses: string[]): string {
  if (addresses.length === 0) throw new Error('a gRPC client needs at least one address');
  if (addresses.length === 1) return addresses[0]!;
  // grpc-js resolves a static list only for IP literals ("ipv4:a:1,b:2").
  const hosts = addresses.map((address) => address.slice(0, address.lastIndexOf(':')).replace(/^\[|\]$/g, ''));
  const families = new Set(hosts.map((host) => isIP(host)));
  if (families.size !== 1 || families.has(0)) {
    throw new Error(`several service addresses must all be IPv4 or all IPv6 literals: ${addresses.join(',')}`);
  }
  return `${families.has(4) ? 'ipv4' : 'ipv6'}:${addresses.join(',')}`;
}

export function channelOptions(service: string, retryableMethods: string[]): ChannelOptions {
  const serviceConfig = {
    loadBalancingConfig: [{ round_robin: {} }],
    methodConfig: [
      {
        name: retryableMethods.map((method) => ({ service, method })),
        retryPolicy: {
          maxAttempts: 4,
          initialBackoff: '0.05s',
          maxBackoff: '0.5s',
          backoffMultiplier: 2,
          retryableStatusCodes: ['UNAVAILABLE'],
        },
      },
    ],
  };
  return {
    'grpc.service_config': JSON.stringify(serviceConfig),
    // Over TLS the server must prove it is this service, whichever of its addresses answered (ignored in plaintext).
    'grpc.ssl_target_name_override': certificateName(service),
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_timeout_ms': 5_000,
    // Reconnect quickly after a service restart instead of backing off for up to two minutes.
    'grpc.initial_reconnect_backoff_ms': 100,
    'grpc.max_reconnect_backoff_ms': 2_000,
    // A batched feed answer is hundreds of KiB; with HTTP/2's default 64 KiB
    // window each one stalled on a WINDOW_UPDATE round trip.
    'grpc-node.flow_control_window': 16 << 20,
  };
}
