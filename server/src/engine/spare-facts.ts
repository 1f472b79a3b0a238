/**
 * The project facts a scan worker offers to build while it would wait for another thread's (analysis/shared-facts.ts
 * `offerSpareWork`): the DRF model's module facts and the Django template links. Both workers need both early; without
 * this, the one that waits for the links (or the deploy model) leaves a core idle, and builds the DRF facts after.
 */
import { offerSpareWork } from '../../../analysis/shared-facts';
import { shareDrfFacts } from '../../../analysis/python/drf';
import { shareTemplateLinks } from '../../../rules/n-plus-one/django-templates';
import { getPythonLanguage, parsePython } from './parsers';
import type { Workspace } from './workspace';

export function offerSharedFacts(workspace: Workspace): void {
  const active = new Set(workspace.analyzer.activeRuleIds);
  // (the rules that read the DRF model and the template links)
  const drf = active.has('n-plus-one') || active.has('unbounded-queryset');
  if (!drf) return;
  const projects = () => {
    const index = workspace.projects();
    const roots = new Set(workspace.projectFiles.filter((f) => f.relPath.endsWith('.py')).map((f) => index.rootOf(f.relPath)));
    return [...roots].map((root) => workspace.projectAt(root));
  };
  offerSpareWork('drf', () => {
    const empty = parsePython('');
    try {
      shareDrfFacts(projects(), empty);
    } finally {
      empty.delete();
    }
  });
  if (active.has('n-plus-one')) offerSpareWork('template links', () => shareTemplateLinks(projects(), getPythonLanguage()));
}
