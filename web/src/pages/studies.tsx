import { useEffect, useState, type ReactNode } from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { client, unwrap } from "../lib/api.ts";
import { studyKeys } from "../lib/query-keys-studies.ts";
import { Link, matchPath, navigate } from "../lib/router.tsx";
import { ErrorNotice, Loading } from "../components/notice.tsx";
import { useStudyPageTitle } from "../components/study-page-title.tsx";
import { StudyStatusBadge } from "../components/study-status-badge.tsx";
import { OfflineEngineBadge } from "../components/study-offline-engine.tsx";
import { PAGE_LIMIT, formatTime, type Study } from "../components/study-format.ts";
import { CohortsPage } from "./cohorts.tsx";
import { PopulationDetailPage } from "./population-detail.tsx";
import { PopulationsPage } from "./populations.tsx";
import { SkillsPage } from "./skills.tsx";
import { StudyDetailPage } from "./study-detail.tsx";
import { StudyNewPage } from "./study-new.tsx";
import "./studies.css";

const TABS = [
  { id: "studies", to: "/studies", label: "Studies" },
  { id: "skills", to: "/studies/skills", label: "Skills" },
  { id: "cohorts", to: "/studies/cohorts", label: "Cohorts" },
  { id: "populations", to: "/studies/populations", label: "Populations" },
] as const;

type TabId = (typeof TABS)[number]["id"];

/**
 * The Studies section (every path under /studies): studies, and the skills, cohorts and populations
 * they are built from, one tab each.
 */
export function StudiesSection({ path }: { path: string }) {
  let params: Record<string, string> | undefined;
  let tab: TabId = "studies";
  let screen: ReactNode;
  if (matchPath("/studies", path)) screen = <StudyListPage />;
  else if (matchPath("/studies/new", path)) screen = <StudyNewPage />;
  else if (matchPath("/studies/skills", path)) {
    tab = "skills";
    screen = <SkillsPage />;
  } else if (matchPath("/studies/cohorts", path)) {
    tab = "cohorts";
    screen = <CohortsPage />;
  } else if (matchPath("/studies/populations", path)) {
    tab = "populations";
    screen = <PopulationsPage />;
  } else if ((params = matchPath("/studies/populations/:id", path))) {
    tab = "populations";
    screen = <PopulationDetailPage populationId={params.id!} />;
  } else if ((params = matchPath("/studies/:id", path))) {
    screen = <StudyDetailPage studyId={params.id!} />;
  } else {
    screen = (
      <>
        <h1>Not found</h1>
        <p>
          There is no screen at <code>{path}</code>. <Link to="/studies">Go to your studies.</Link>
        </p>
      </>
    );
  }

  // On a phone the tabs scroll sideways: keep the current one in view.
  useEffect(() => {
    document
      .querySelector('.studies-page .tabs [aria-current="page"]')
      ?.scrollIntoView({ block: "nearest", inline: "nearest" });
  }, [tab]);

  return (
    <section className="page studies-page">
      <nav className="tabs" aria-label="Studies sections">
        {TABS.map((item) => (
          <Link key={item.id} to={item.to} aria-current={item.id === tab ? "page" : undefined}>
            {item.label}
          </Link>
        ))}
      </nav>
      {screen}
    </section>
  );
}

/** How often the list refreshes while a study on it is running, for its progress bar. */
const LIST_REFRESH_MS = 3000;

/** /studies: every study with its status and progress, newest first as the API lists them. */
function StudyListPage() {
  useStudyPageTitle("Studies");
  const [pages, setPages] = useState<string[]>([""]);
  const list = useQuery({
    queryKey: studyKeys.list(pages),
    placeholderData: keepPreviousData,
    queryFn: async ({ signal }) => {
      const studies: Study[] = [];
      let next: string | null = null;
      for (const after of pages) {
        const page = await unwrap(
          client.GET("/v1/studies", {
            params: { query: { limit: PAGE_LIMIT, after: after || undefined } },
            signal,
          }),
        );
        studies.push(...page.data);
        next = page.next_cursor;
      }
      return { studies, next };
    },
    // Read again while a study on the list runs, for its progress bar.
    refetchInterval: (query) =>
      query.state.data?.studies.some((study) => study.status === "running") ? LIST_REFRESH_MS : false,
  });

  return (
    <>
      <header className="page-header">
        <h1>Studies</h1>
        <button type="button" className="button-primary" onClick={() => navigate("/studies/new")}>
          New study
        </button>
      </header>
      <p className="muted study-intro">
        A study asks a <Link to="/studies/skills">skill</Link> of every persona in a{" "}
        <Link to="/studies/populations">population</Link> and compares the answers between its{" "}
        <Link to="/studies/cohorts">cohorts</Link>.
      </p>
      <ErrorNotice error={list.error} />
      {list.isPending && <Loading label="Loading studies…" />}
      {list.data && list.data.studies.length === 0 && (
        <div className="card study-empty">
          <p>
            <strong>No studies yet.</strong> Create a skill (the question), cohorts and a population (who
            answers), then press “New study”.
          </p>
        </div>
      )}
      {list.data && list.data.studies.length > 0 && (
        <div className="table-scroll">
          <table className="study-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">Progress</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {list.data.studies.map((study) => (
                <StudyRow key={study.id} study={study} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {list.data?.next && (
        <button
          type="button"
          disabled={list.isFetching}
          onClick={() => setPages((old) => [...old, list.data!.next!])}
        >
          {list.isFetching ? "Loading…" : "Load more studies"}
        </button>
      )}
    </>
  );
}

function StudyRow({ study }: { study: Study }) {
  const { done, total } = study.progress;
  return (
    <tr>
      <th scope="row">
        <Link to={`/studies/${encodeURIComponent(study.id)}`}>{study.name}</Link>{" "}
        {study.offline_engine && <OfflineEngineBadge />}
        <span className="study-subtle">{study.skill?.name}</span>
      </th>
      <td data-label="Status">
        <StudyStatusBadge status={study.status} />
      </td>
      <td data-label="Progress">
        <span className="study-progress-cell">
          <progress
            max={Math.max(total, 1)}
            value={done}
            aria-label={`${study.name}: ${done} of ${total} done`}
          />
          <span className="study-subtle">
            {done} / {total}
          </span>
        </span>
      </td>
      <td data-label="Created">
        <time dateTime={study.created_at}>{formatTime(study.created_at)}</time>
      </td>
    </tr>
  );
}
