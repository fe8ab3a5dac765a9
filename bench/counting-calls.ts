/**
 * Auth or Social counted by method, as the web tier calls them: each call
 * is one gRPC call when deployed. `as(token)` is no call of its own; the
 * Actor it answers is counted too, its methods as `as.<method>` (the RPC
 * of that name, carrying the token).
 */
export function countingCalls<T extends object>(target: T, calls: Map<string, number>, prefix = ''): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value = Reflect.get(object, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const result = value.apply(object, args);
        if (property === 'as') return countingCalls(result as object, calls, 'as.');
        const name = `${prefix}${String(property)}`;
        calls.set(name, (calls.get(name) ?? 0) + 1);
        return result;
      };
    },
  });
}
