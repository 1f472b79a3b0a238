/**
 * The raw request body: Django's `request.body` is the whole body as one bytes object (read into memory up to
 * DATA_UPLOAD_MAX_MEMORY_SIZE, without limit when that is None), where a multipart upload in `request.FILES` is
 * streamed to a temporary file past FILE_UPLOAD_MAX_MEMORY_SIZE.
 */
import type { Node } from 'web-tree-sitter';
import { isRequest, type Binding } from './uploads';

/** `request.body`, `self.request.body`, or a name bound to one of them. */
export function isRawRequestBody(node: Node | null | undefined, lookup: (id: Node) => Binding | undefined, depth = 0): boolean {
  if (!node || depth > 3) return false;
  if (node.type === 'attribute') return node.childForFieldName('attribute')?.text === 'body' && isRequest(node.childForFieldName('object'));
  if (node.type === 'identifier') {
    const b = lookup(node);
    return (b?.kind === 'assign' || b?.kind === 'walrus') && isRawRequestBody(b.value, lookup, depth + 1);
  }
  return false;
}
