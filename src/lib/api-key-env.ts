/**
 * The key of a configured service: `api_key` as given, else the variable `api_key_env` names, read once when
 * the providers are built so a missing one fails at start-up naming the variable. Undefined when neither is
 * set (local servers that take no key).
 *
 * @example resolveApiKey({ name: "forge", api_key_env: "FORGE_KEY" }, process.env, "media provider")
 */
export function resolveApiKey(
  config: { name: string; api_key?: string | undefined; api_key_env?: string | undefined },
  environment: Record<string, string | undefined>,
  what: string,
): string | undefined {
  if (config.api_key) return config.api_key;
  if (!config.api_key_env) return undefined;
  const key = environment[config.api_key_env];
  if (!key)
    throw new Error(`${what} ${config.name}: api_key_env names ${config.api_key_env}, which is not set`);
  return key;
}
