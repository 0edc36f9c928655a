/**
 * The project as the generator planned it from its answers (.yo-rc.json): the same values the Copilot manifests
 * under copilot/ print. Written by generator-copilot-django; a re-run rewrites it from the answers.
 */
import type { Project } from './project-types';

export type { Environment, HealthCheck, Job, Project, Source, Worker } from './project-types';

export const PROJECT: Project = <%- JSON.stringify(infra.project, null, 2) %>;
