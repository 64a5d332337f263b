/** Reads a positive integer from the environment, or the fallback when the variable is unset or empty. */
export function readPositiveInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1)
    throw new Error(`${name}=${JSON.stringify(raw)}: expected a positive integer`);
  return Number(raw);
}
