/**
 * Whether a project declares a DRF list view that pages with the settings' default class: a class deriving from a
 * generic list view or viewset (`ListAPIView`, `ListCreateAPIView`, `ModelViewSet`, `ReadOnlyModelViewSet`,
 * `ListModelMixin`) outside tests. A `DEFAULT_PAGINATION_CLASS` matters only to those; APIViews that build their own
 * paginator never use it. Answered from the texts once per project state.
 */
import type { ProjectInfo } from '../../rules/api';
import { ProjectSlot } from '../cache';
import { projectTexts } from '../project-texts';

const LIST_VIEW_CLASS = /^\s*class\s+\w+\s*\([^)]*\b(ListAPIView|ListCreateAPIView|ModelViewSet|ReadOnlyModelViewSet|ListModelMixin)\b/m;
const SKIP = /(^|\/)(node_modules|site-packages|\.venv|venv|tests?)\/|(^|\/)test_[^/]*\.py$/;

const slot = new ProjectSlot<{ key?: unknown; answer: boolean }>('python: DRF generic list views', () => ({ answer: false }));

export function declaresDrfListViews(project: ProjectInfo, current?: { relPath: string; text: string }): boolean {
  const texts = projectTexts(project, current);
  const key = texts.stamp ?? texts.files;
  const holder = slot.get(project);
  if (holder.key === key) return holder.answer;
  holder.key = key;
  holder.answer = texts.files.some((f) => f.endsWith('.py') && !SKIP.test(f) && LIST_VIEW_CLASS.test(texts.text(f) ?? ''));
  return holder.answer;
}
