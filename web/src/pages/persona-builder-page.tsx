import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { client, unwrap } from "../lib/api.ts";
import { personaKeys } from "../lib/query-keys-personas.ts";
import { Link, navigate } from "../lib/router.tsx";
import { ErrorNotice, Loading } from "../components/notice.tsx";
import { PersonaEditor } from "../components/persona-editor.tsx";
import "./persona-builder.css";

/**
 * /personas/new and /personas/:id: the persona studio. A persona created here keeps the same editor
 * (and any request still running in it) when the URL switches to its id.
 */
export function PersonaBuilderPage({ personaId }: { personaId: string | undefined }) {
  const [fresh, setFresh] = useState<{ createdId: string | undefined; generation: number }>({
    createdId: undefined,
    generation: 0,
  });
  // Coming back to /personas/new after creating one starts a new, empty editor.
  if (personaId === undefined && fresh.createdId !== undefined) {
    setFresh({ createdId: undefined, generation: fresh.generation + 1 });
  }
  const isNew = personaId === undefined || personaId === fresh.createdId;
  const resource = useQuery({
    queryKey: personaKeys.detail(personaId ?? ""),
    queryFn: ({ signal }) =>
      unwrap(client.GET("/v1/personas/{id}", { params: { path: { id: personaId ?? "" } }, signal })),
    enabled: !isNew,
  });

  if (isNew) {
    return (
      <PersonaEditor
        key={`new-${fresh.generation}`}
        initial={undefined}
        onCreated={(persona) => {
          setFresh({ ...fresh, createdId: persona.id });
          navigate(`/personas/${encodeURIComponent(persona.id)}`, { replace: true });
        }}
      />
    );
  }

  const persona = resource.data?.id === personaId ? resource.data : undefined;
  if (resource.error && !persona) {
    return (
      <section className="page">
        <p className="persona-breadcrumb">
          <Link to="/personas">← Personas</Link>
        </p>
        <h1>Persona</h1>
        <ErrorNotice error={resource.error} />
      </section>
    );
  }
  if (!persona) {
    return (
      <section className="page">
        <Loading label="Loading persona…" />
      </section>
    );
  }
  return <PersonaEditor key={persona.id} initial={persona} onCreated={() => undefined} />;
}
