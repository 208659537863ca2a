// The configuration model as JSON for --dump-config. The model already uses keepalived's keyword
// names as keys; this only makes values JSON can't carry readable (bigint, Map, Set, bytes)
// and drops undefined fields so the dump shows what was configured or defaulted.
export function configToJson(model: unknown): string {
  return JSON.stringify(
    model,
    (_key, value: unknown) => {
      if (typeof value === 'bigint') return value.toString();
      if (value instanceof Map) return Object.fromEntries(value);
      if (value instanceof Set) return [...value];
      if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
      return value;
    },
    2,
  );
}
