import { Link } from "../lib/router.tsx";
import type { CohortPreview } from "./study-format.ts";

/**
 * What the preview reads of a sample. The API types a sample loosely (a matching persona's summary, or a
 * generator's seed with its identity), so only these fields are read, each optional.
 */
interface CohortSample {
  id?: string;
  name?: string;
  age?: number | null;
  sex?: string | null;
  location?: string | null;
  occupation?: string | null;
  traits?: string[];
  identity?: {
    age?: number | null;
    sex?: string | null;
    location?: string | null;
    occupation?: string | null;
  };
}

function describe(sample: CohortSample): string {
  const age = sample.age ?? sample.identity?.age;
  const sex = sample.sex ?? sample.identity?.sex;
  const occupation = sample.occupation ?? sample.identity?.occupation;
  const location = sample.location ?? sample.identity?.location;
  return [age != null ? String(age) : "", sex ?? "", occupation ?? "", location ?? ""]
    .filter(Boolean)
    .join(" · ");
}

/**
 * What a cohort would hold: for a filter, how many personas match and a few of them; for a generator,
 * five example seeds (the personas themselves are made when a population uses it).
 */
export function StudyCohortPreview({ preview }: { preview: CohortPreview }) {
  return (
    <div className="study-preview" role="status">
      <p>
        {preview.matching === null ? (
          <>Example seeds this recipe would generate:</>
        ) : preview.matching === 0 ? (
          <>No persona matches this filter yet.</>
        ) : (
          <>
            <strong>{preview.matching}</strong>{" "}
            {preview.matching === 1 ? "persona matches" : "personas match"}
            {preview.sample.length > 0 && preview.sample.length < preview.matching ? ", for example:" : ":"}
          </>
        )}
      </p>
      {preview.sample.length > 0 && (
        <ul className="study-sample">
          {(preview.sample as CohortSample[]).map((sample, index) => (
            <li key={sample.id ?? index}>
              {sample.id ? (
                <Link to={`/personas/${encodeURIComponent(sample.id)}`}>{sample.name ?? sample.id}</Link>
              ) : (
                <strong>{sample.name ?? `Seed ${index + 1}`}</strong>
              )}
              {describe(sample) && <span className="study-subtle"> {describe(sample)}</span>}
              {sample.traits && sample.traits.length > 0 && (
                <span className="study-subtle"> ({sample.traits.join(", ")})</span>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
