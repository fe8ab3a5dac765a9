import type { KV } from '../src/kv/kv.js';

/** A KV that counts the calls made through it, by method: how many store round trips an action costs. */
export function countingKv(inner: KV): { kv: KV; calls: Map<string, number>; reset: () => void } {
  const calls = new Map<string, number>();
  const kv = new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.set(String(property), (calls.get(String(property)) ?? 0) + 1);
        return value.apply(target, args);
      };
    },
  });
  return { kv, calls, reset: () => calls.clear() };
}
