import type { Clock } from "../lib/clock.ts";
import type { MemoryService } from "../services/memory-service.ts";
import { PersonaGenerationService } from "../services/persona-generation.ts";
import type { PersonaService } from "../services/persona-service.ts";
import type { ReplyGenerator } from "../services/reply-generator.ts";
import { CohortService } from "../services/research/cohort-service.ts";
import { PopulationService } from "../services/research/population-service.ts";
import { SkillService } from "../services/research/skill-service.ts";
import { StudyRunner } from "../services/research/study-runner.ts";
import { StudyService } from "../services/research/study-service.ts";
import type { Store } from "../store/store.ts";
import type { Services } from "./create-services.ts";
import type { ServiceOptions } from "./service-options.ts";

/** Research: generated personas and populations, skills, and the studies that run them. */
export function composeResearch(parts: {
  store: Store;
  clock: Clock;
  personas: PersonaService;
  memories: MemoryService;
  replies: ReplyGenerator;
  options: Pick<ServiceOptions, "models" | "jobs">;
}): Pick<Services, "personaGeneration" | "skills" | "cohorts" | "populations" | "studies" | "studyRunner"> {
  const { store, clock, personas, memories, replies, options } = parts;
  const cohorts = new CohortService(store, clock);
  const personaGeneration = new PersonaGenerationService({ clock, personas, memories });
  const populations = new PopulationService({
    store,
    clock,
    queue: options.jobs,
    cohorts,
    personas,
    memories,
    generation: personaGeneration,
  });
  const studyRunner = new StudyRunner({ store, clock, queue: options.jobs, replies });
  return {
    personaGeneration,
    skills: new SkillService(store, clock),
    cohorts,
    populations,
    studies: new StudyService({
      store,
      clock,
      queue: options.jobs,
      models: options.models,
      runner: studyRunner,
    }),
    studyRunner,
  };
}
