import { useQuery } from "@tanstack/react-query";
import { client, unwrap } from "../lib/api.ts";
import { cohortKeys, populationKeys, skillKeys } from "../lib/query-keys-studies.ts";
import { PAGE_LIMIT, fetchAll, type Population } from "./study-format.ts";

/** How often a population is read again while it is `generating`, for its progress. */
const POPULATION_POLL_MS = 1000;

/** Every skill of the tenant (the pickers and the Skills tab). */
export function useSkills(enabled = true) {
  return useQuery({
    queryKey: skillKeys.all,
    enabled,
    queryFn: ({ signal }) =>
      fetchAll((after) =>
        unwrap(client.GET("/v1/skills", { params: { query: { limit: PAGE_LIMIT, after } }, signal })),
      ),
  });
}

/** Every cohort of the tenant. */
export function useCohorts(enabled = true) {
  return useQuery({
    queryKey: cohortKeys.all,
    enabled,
    queryFn: ({ signal }) =>
      fetchAll((after) =>
        unwrap(client.GET("/v1/cohorts", { params: { query: { limit: PAGE_LIMIT, after } }, signal })),
      ),
  });
}

/** True while a population is still being generated, so its screens poll it. */
function generating(populations: Population | Population[] | undefined): boolean {
  if (!populations) return false;
  const list = Array.isArray(populations) ? populations : [populations];
  return list.some((population) => population.status === "generating");
}

/** Every population, read again every second while one of them is generating. */
export function usePopulations(enabled = true) {
  return useQuery({
    queryKey: populationKeys.list(),
    enabled,
    queryFn: ({ signal }) =>
      fetchAll((after) =>
        unwrap(client.GET("/v1/populations", { params: { query: { limit: PAGE_LIMIT, after } }, signal })),
      ),
    refetchInterval: (query) => (generating(query.state.data) ? POPULATION_POLL_MS : false),
  });
}

/** One population, read again every second while it is generating (until `ready` or `failed`). */
export function usePopulation(populationId: string) {
  return useQuery({
    queryKey: populationKeys.detail(populationId),
    queryFn: ({ signal }) =>
      unwrap(client.GET("/v1/populations/{id}", { params: { path: { id: populationId } }, signal })),
    refetchInterval: (query) => (generating(query.state.data) ? POPULATION_POLL_MS : false),
  });
}

/** A study's statistics, as the statistics route answers them. */
export function fetchStudyStatistics(studyId: string, signal: AbortSignal) {
  return unwrap(client.GET("/v1/studies/{id}/statistics", { params: { path: { id: studyId } }, signal }));
}

export type StudyStatistics = Awaited<ReturnType<typeof fetchStudyStatistics>>;
export type Stats = StudyStatistics["overall"];
export type StatisticalTest = NonNullable<StudyStatistics["test"]>;
