/**
 * One instance per process, shared by every copy of a module (the server
 * entry and the Remix build load the app's modules separately, and Vite's
 * dev server reloads them). PGlite in particular must never be opened twice.
 */
export function singleton<T>(name: string, create: () => T): T {
  const store = globalThis as unknown as { __portalSingletons?: Map<string, unknown> };
  store.__portalSingletons ??= new Map();
  if (!store.__portalSingletons.has(name)) store.__portalSingletons.set(name, create());
  return store.__portalSingletons.get(name) as T;
}

export function forgetSingleton(name: string) {
  const store = globalThis as unknown as { __portalSingletons?: Map<string, unknown> };
  store.__portalSingletons?.delete(name);
}
