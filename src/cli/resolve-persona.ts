import { DramatisApiError, unwrap, type DramatisClient, type Schema } from "@dramatis/sdk";
import { ClientCommandError } from "./client-action.ts";
import { collectPages } from "./server-connection.ts";

/** Finding what people name on the command line or in `dramatis chat`: a persona, a user persona. */

type Persona = Schema<"Persona">;

const PAGE_LIMIT = 200;
/** Longer candidate lists are cut, so an unknown name in a large tenant stays readable. */
const CANDIDATE_LIMIT = 25;

export type NameMatch<T> = { found: T } | { ambiguous: T[] } | { unknown: true };

/**
 * Finds an item by id, else by name case-insensitively: a whole name first, then the start of the name
 * or of one of its words (`juniper` finds "Juniper Hale"). `preferred` breaks ties, so the tenant's own
 * persona wins over a preset of the same name.
 *
 * @example const match = matchByName(userPersonas, "elena");
 */
export function matchByName<T extends { id: string; name: string }>(
  items: T[],
  reference: string,
  preferred: (item: T) => boolean = () => false,
): NameMatch<T> {
  const wanted = reference.trim().toLowerCase();
  const byId = items.find((item) => item.id === reference.trim());
  if (byId) return { found: byId };
  const exact = items.filter((item) => item.name.toLowerCase() === wanted);
  const starting = items.filter((item) => {
    const name = item.name.toLowerCase();
    return name.startsWith(wanted) || name.split(/\s+/).some((word) => word.startsWith(wanted));
  });
  for (const group of [exact, starting]) {
    if (group.length === 0) continue;
    const narrowed = group.some(preferred) ? group.filter(preferred) : group;
    return narrowed.length === 1 ? { found: narrowed[0] as T } : { ambiguous: narrowed };
  }
  return { unknown: true };
}

/** One indented line per candidate, cut after CANDIDATE_LIMIT. */
export function formatCandidates<T>(items: T[], describe: (item: T) => string): string {
  const shown = items.slice(0, CANDIDATE_LIMIT).map((item) => `  ${describe(item)}`);
  if (items.length > CANDIDATE_LIMIT) shown.push(`  … and ${items.length - CANDIDATE_LIMIT} more`);
  return shown.join("\n");
}

export const describePersona = (persona: Persona) =>
  `${persona.name} (${persona.id}${persona.kind === "preset" ? ", preset" : ""})`;

/**
 * A persona by id, else by name (see matchByName). An unknown or ambiguous name throws a
 * ClientCommandError whose message lists the candidates; `dramatis chat` and `dramatis say` use it.
 *
 * @example const persona = await resolvePersona(client, "mira");
 */
export async function resolvePersona(api: DramatisClient, reference: string): Promise<Persona> {
  const byId = await findPersonaById(api, reference);
  if (byId) return byId;
  const personas = await listPersonas(api);
  const match = matchByName(personas, reference, (persona) => persona.kind === "persona");
  if ("found" in match) return match.found;
  if ("ambiguous" in match) {
    throw new ClientCommandError(
      `"${reference}" matches more than one persona; give the id:\n${formatCandidates(match.ambiguous, describePersona)}`,
    );
  }
  // The tenant's own personas are the likelier meaning, so they come before the presets.
  const ordered = [...personas].sort(
    (left, right) => Number(left.kind === "preset") - Number(right.kind === "preset"),
  );
  const candidates = personas.length
    ? `choose one of:\n${formatCandidates(ordered, describePersona)}`
    : "this tenant has none yet (POST /v1/personas creates one)";
  throw new ClientCommandError(`no persona named "${reference}"; ${candidates}`);
}

function listPersonas(api: DramatisClient): Promise<Persona[]> {
  return collectPages((after) =>
    unwrap(
      api.GET("/v1/personas", { params: { query: { limit: PAGE_LIMIT, ...(after ? { after } : {}) } } }),
    ),
  );
}

/** Ids have no spaces; anything the server does not know as an id is then tried as a name. */
async function findPersonaById(api: DramatisClient, reference: string): Promise<Persona | undefined> {
  if (/\s/.test(reference)) return undefined;
  try {
    return await unwrap(api.GET("/v1/personas/{id}", { params: { path: { id: reference } } }));
  } catch (error) {
    if (error instanceof DramatisApiError && (error.status === 404 || error.status === 405)) return undefined;
    throw error;
  }
}
