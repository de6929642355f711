// Patching that pages cannot see: a patched function is a Proxy of the original, so it
// keeps its `name`, `length`, `prototype` and statics, and `Function.prototype.toString`
// prints the original's native source for it (`function fetch() { [native code] }`).
'use strict';

/** Marks a global that has the runtime already (a symbol, so no enumerable global). */
const RUNTIME_MARKER = Symbol.for('tandem.runtime');

/** patched function → the native original it stands for (through patches of patches). */
const ORIGINALS = new WeakMap();

function disguiseToString(win) {
  const FunctionProto = (win || window).Function.prototype;
  const native = FunctionProto.toString;
  const patched = new Proxy(native, {
    apply(target, self, args) {
      return Reflect.apply(target, ORIGINALS.get(self) || self, args);
    },
  });
  ORIGINALS.set(patched, native);
  redefine(FunctionProto, 'toString', patched);
}

/**
 * Replaces obj[name] keeping the property's attributes (enumerable, writable...), where
 * it is defined: on a worker's global scope `fetch` and `importScripts` live on
 * `WorkerGlobalScope.prototype`, not on the global itself as on a window.
 */
function redefine(obj, name, value) {
  let owner = obj;
  while (owner && !Object.prototype.hasOwnProperty.call(owner, name)) owner = Object.getPrototypeOf(owner);
  const descriptor = owner && Object.getOwnPropertyDescriptor(owner, name);
  if (!descriptor || !descriptor.configurable) return false;
  Object.defineProperty(owner, name, { ...descriptor, value });
  return true;
}

/** Wraps the method obj[name]: `wrap(original, self, args)` does the call. */
function patchMethod(obj, name, wrap) {
  const original = obj && obj[name];
  if (typeof original !== 'function') return;
  const patched = new Proxy(original, {
    apply(target, self, args) {
      return wrap(target, self, args);
    },
  });
  ORIGINALS.set(patched, ORIGINALS.get(original) || original);
  redefine(obj, name, patched);
}

/**
 * Wraps the constructor obj[name]: `mapArgs(args)` rewrites its arguments. Calling it
 * without `new` still throws as the original does; `instanceof` and subclasses work
 * because the prototype is shared.
 */
function patchConstructor(obj, name, mapArgs) {
  const original = obj && obj[name];
  if (typeof original !== 'function') return;
  const patched = new Proxy(original, {
    construct(target, args, newTarget) {
      return Reflect.construct(target, mapArgs(args), newTarget === patched ? target : newTarget);
    },
  });
  ORIGINALS.set(patched, ORIGINALS.get(original) || original);
  if (redefine(obj, name, patched)) redefine(original.prototype, 'constructor', patched);
}

/**
 * Wraps the accessor obj[name]: `get(original, self)` does a read, `set(original, self,
 * value)` a write (either may be null: that half stays as it is).
 */
function patchAccessor(proto, name, get, set) {
  const descriptor = proto && Object.getOwnPropertyDescriptor(proto, name);
  if (!descriptor || !descriptor.configurable) return;
  const wrap = (original, call) => {
    const patched = new Proxy(original, {
      apply(target, self, args) {
        return call(target, self, args);
      },
    });
    ORIGINALS.set(patched, ORIGINALS.get(original) || original);
    return patched;
  };
  const next = { ...descriptor };
  if (get && descriptor.get) next.get = wrap(descriptor.get, (target, self) => get(target, self));
  if (set && descriptor.set) {
    // Without an argument the native setter throws its own TypeError.
    next.set = wrap(descriptor.set, (target, self, args) =>
      args.length ? set(target, self, args[0]) : Reflect.apply(target, self, args),
    );
  }
  Object.defineProperty(proto, name, next);
}

/** Wraps the setter of an accessor property on a prototype: `map(value, self)` → new value. */
function patchSetter(proto, name, map) {
  patchAccessor(proto, name, null, (set, self, value) => Reflect.apply(set, self, [map(value, self)]));
}

/** Wraps the getter of an accessor property on a prototype: `map(value, self)` → value read. */
function patchGetter(proto, name, map) {
  patchAccessor(proto, name, (get, self) => map(Reflect.apply(get, self, []), self), null);
}
