// A Proxy in front of a store that replaces its methods by wrappers (timing, holding answers
// back), one per method name, made on first use: a call creates no closure and looks nothing up
// but the wrapper. The adapters stay unaware of what wraps them.

type Method = (...args: unknown[]) => unknown

/**
 * `target` with each method replaced by `wrap(name, method)`; the methods named in `own` stay
 * the target's own (bound to it, so its private fields work); other properties pass through.
 */
export function wrapMethods<T extends object>(
  target: T,
  own: readonly string[],
  wrap: (name: string, method: Method) => Method,
): T {
  const wrapped = new Map<string, Method>()
  return new Proxy(target, {
    get(t, prop) {
      const value: unknown = Reflect.get(t, prop, t)
      if (typeof value !== 'function' || typeof prop !== 'string') return value
      if (own.includes(prop)) return (value as Method).bind(t)
      let fn = wrapped.get(prop)
      if (!fn) {
        fn = wrap(prop, value as Method)
        wrapped.set(prop, fn)
      }
      return fn
    },
  })
}
