/*
 * @peculiar/x509 registers its algorithms with tsyringe, which refuses to
 * load unless `Reflect.getMetadata` exists. The usual fix is importing
 * `reflect-metadata`; x509 only needs the three functions below (no
 * decorator metadata is emitted by it), so they are defined here, and only
 * when no polyfill is loaded already. Import this before @peculiar/x509.
 */

type MetadataKey = unknown;
type Target = object;
type PropertyKey = string | symbol | undefined;

const reflect = Reflect as unknown as {
  getMetadata?: unknown;
  getOwnMetadata?: unknown;
  defineMetadata?: unknown;
};

if (typeof reflect.getMetadata !== 'function') {
  const store = new WeakMap<
    Target,
    Map<PropertyKey, Map<MetadataKey, unknown>>
  >();

  const metadataOf = (
    target: Target,
    property: PropertyKey,
    create: boolean,
  ) => {
    let byProperty = store.get(target);
    if (!byProperty) {
      if (!create) return undefined;
      byProperty = new Map();
      store.set(target, byProperty);
    }
    let byKey = byProperty.get(property);
    if (!byKey && create) {
      byKey = new Map();
      byProperty.set(property, byKey);
    }
    return byKey;
  };

  const getOwnMetadata = (
    key: MetadataKey,
    target: Target,
    property?: PropertyKey,
  ) => metadataOf(target, property, false)?.get(key);

  Object.assign(Reflect, {
    defineMetadata(
      key: MetadataKey,
      value: unknown,
      target: Target,
      property?: PropertyKey,
    ) {
      metadataOf(target, property, true)!.set(key, value);
    },
    getOwnMetadata,
    getMetadata(key: MetadataKey, target: Target, property?: PropertyKey) {
      for (
        let current: Target | null = target;
        current;
        current = Object.getPrototypeOf(current)
      ) {
        const value = getOwnMetadata(key, current, property);
        if (value !== undefined) return value;
      }
      return undefined;
    },
  });
}

export {};
