/**
 * A start command whose entry script the project does not hold (`CMD ["python", "convert_service.py"]` after the
 * service was moved into `archive/legacy-code/`, `streamlit run streamlit_app_simple.py` of a deleted file): the
 * process exits at start, so what it would import costs nothing.
 *
 * Claimed only for a literal `.py` path (no variables) that no file of the project provides at any depth, archived
 * code nothing online names aside (analysis/archived-folders.ts), nested projects included (a root Dockerfile built
with a nested app's folder as context runs that app's script): a Dockerfile that copies a subfolder into its
 * WORKDIR (`COPY src/ /app/`) runs `main.py` from `src/main.py`, which counts as present.
 */
import type { ProjectInfo } from '../../rules/api';
import { offlineCode } from '../reach';
import type { Server } from './servers';

const SCRIPT_KINDS = new Set(['python', 'streamlit']);

/** The server runs a Python script by path that no file of the project (outside unreferenced archives) is. */
export function missingEntryScript(project: ProjectInfo, server: Server): boolean {
  const app = server.app;
  if (!SCRIPT_KINDS.has(server.kind) || !app || !/^[\w./-]+\.py$/.test(app)) return false;
  const path = app.replace(/^(\.\/)+/, '').replace(/^\/+/, '');
  const name = path.slice(path.lastIndexOf('/') + 1);
  const named = (f: string) => f === name || f.endsWith(`/${name}`);
  if (project.files().some((f) => named(f) && offlineCode(f, project) !== 'archived code')) return false;
  // A nested project's copy (`streamlit-app/streamlit_app.py` for a root Dockerfile built with that folder as context).
  return !(project.nestedProjects?.() ?? []).some((n) => n.project.files().some(named));
}
