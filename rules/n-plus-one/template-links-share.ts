/**
 * The view -> template findings of a project, shared between the threads of a batch scan (analysis/shared-facts.ts):
 * one thread parses the views, models and templates, the others take its findings. A posted result carries a digest
 * of every Python file and template it depends on, so a thread takes it only when its own texts are the same.
 */
import { mark } from '../../analysis/timeline';
import { factsExchange } from '../../analysis/shared-facts';
import { digest } from '../../analysis/python/drf';
import type { TemplateFinding } from './django-templates';

export const TEMPLATE_LINKS_TOPIC = 'django-template-links';

interface PostedLinks {
  /** Digest of each Python file of the project and each template the findings read ('' when missing). */
  texts: [string, string][];
  findings: TemplateFinding[];
}

const textDigest = (text: string | undefined) => (text === undefined ? '' : digest(text));

/**
 * The findings another thread built from the same file list and texts, or undefined. `inputs` gets the texts the
 * findings depend on (as `buildFindings` would have recorded them).
 */
export function takeSharedLinks(
  files: readonly string[],
  read: (rel: string) => string | undefined,
  inputs: Map<string, string | undefined>,
): { findings?: TemplateFinding[]; publish?: (findings: TemplateFinding[] | undefined, inputs: ReadonlyMap<string, string | undefined>) => void } {
  const exchange = factsExchange();
  if (!exchange) return {};
  const key = digest(files.join('\u0000'));
  mark('links take');
  const { known, first } = exchange.take(TEMPLATE_LINKS_TOPIC);
  mark(first ? 'links first' : 'links taken');
  const posted = known.get(key) as PostedLinks | undefined;
  if (posted && posted.texts.every(([file, d]) => textDigest(read(file)) === d)) {
    // (every Python file counts as read: a later call rebuilds only when one of them changes)
    for (const [file] of posted.texts) inputs.set(file, read(file));
    return { findings: posted.findings };
  }
  if (!first) return {};
  return {
    publish: (findings, used) => {
      mark('links publish');
      if (!findings) return exchange.publish(TEMPLATE_LINKS_TOPIC, []);
      const texts = new Map<string, string>();
      for (const file of files) if (file.endsWith('.py')) texts.set(file, textDigest(read(file)));
      for (const file of used.keys()) texts.set(file, textDigest(read(file)));
      exchange.publish(TEMPLATE_LINKS_TOPIC, [[key, { texts: [...texts], findings } satisfies PostedLinks]]);
    },
  };
}
