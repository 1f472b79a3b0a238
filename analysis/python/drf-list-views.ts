/**
 * Whether a project declares a DRF list view that pages with the settings' default class: a class deriving from a
 * generic list view or viewset (`ListAPIView`, `ListCreateAPIView`, `ModelViewSet`, `ReadOnlyModelViewSet`,
 * `ListModelMixin`) outside tests. A `DEFAULT_PAGINATION_CLASS` matters only to those; APIViews that build their own
 * paginator never use it. Answered from the texts once per project state.
 */
import { textsFact } from '../project-texts';

const LIST_VIEW_CLASS = /^\s*class\s+\w+\s*\([^)]*\b(ListAPIView|ListCreateAPIView|ModelViewSet|ReadOnlyModelViewSet|ListModelMixin)\b/m;
const SKIP = /(^|\/)(node_modules|site-packages|\.venv|venv|tests?)\/|(^|\/)test_[^/]*\.py$/;

export const declaresDrfListViews = textsFact('python: DRF generic list views', (texts) =>
  texts.files.some((f) => f.endsWith('.py') && !SKIP.test(f) && LIST_VIEW_CLASS.test(texts.text(f) ?? '')),
);
