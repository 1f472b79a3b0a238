/** Dockerfile build stages: which stages the final image is made of, and the start command it ends up with. */
import type { Dockerfile } from 'dockerfile-ast';
import type { StartCommand } from './commands-build';
import { lineStarts, offsetAt, type Workspace } from './deploy-files';

/** [start, end) offsets of the final stage and of the stages it builds on (`FROM base AS app` ... `FROM app`). */
export function finalStageChain(text: string, dockerfile: Dockerfile): [number, number][] {
  const starts = lineStarts(text);
  const froms = dockerfile.getFROMs();
  if (froms.length === 0) return [[0, text.length]];
  const stages = froms.map((from, i) => ({
    start: offsetAt(starts, text, from.getRange().start),
    end: i + 1 < froms.length ? offsetAt(starts, text, froms[i + 1].getRange().start) : text.length,
    alias: from.getBuildStage()?.toLowerCase(),
    image: from.getImageName()?.toLowerCase(),
  }));
  const chain: [number, number][] = [];
  let current: (typeof stages)[number] | undefined = stages[stages.length - 1];
  const seen = new Set<number>();
  while (current && !seen.has(current.start)) {
    seen.add(current.start);
    chain.push([current.start, current.end]);
    const image: string | undefined = current.image;
    const before = stages.filter((s) => s.start < current!.start);
    current = image ? [...before].reverse().find((s) => s.alias === image) : undefined;
  }
  return chain;
}

/** Start commands of the final stage, or of the nearest stage it builds on that has one. */
export function finalStageCommands(ws: Workspace, file: string): StartCommand[] {
  const text = ws.read(file);
  const dockerfile = ws.dockerfile(file);
  if (text === undefined || !dockerfile) return [];
  const commands = ws.commands(file);
  for (const [start, end] of finalStageChain(text, dockerfile)) {
    const own = commands.filter((c) => c.programWord.start >= start && c.programWord.start < end);
    if (own.length) return own;
  }
  return [];
}

/**
 * The start commands of the final stage's ENTRYPOINT (the nearest stage of its chain that sets one), without its CMD:
 * what still runs when compose's `command:` replaces the CMD.
 */
export function finalStageEntrypoint(ws: Workspace, file: string): StartCommand[] {
  const text = ws.read(file);
  const dockerfile = ws.dockerfile(file);
  if (text === undefined || !dockerfile) return [];
  const starts = lineStarts(text);
  const entrypoints = dockerfile
    .getInstructions()
    .filter((i) => i.getKeyword().toUpperCase() === 'ENTRYPOINT')
    .map((i) => [offsetAt(starts, text, i.getRange().start), offsetAt(starts, text, i.getRange().end)]);
  for (const [start, end] of finalStageChain(text, dockerfile)) {
    const own = entrypoints.filter(([s]) => s >= start && s < end).pop();
    if (own) return ws.commands(file).filter((c) => c.programWord.start >= own[0] && c.programWord.start < own[1]);
  }
  return [];
}
