/**
 * customQuerysetStamp (custom-querysets.ts) of the analysed module: the project's other QuerySet/Manager class texts
 * and the module's own. Rules key per-statement answers by it on every keystroke; it is read once per tree (and
 * project classes' answer), and the module's own classes only when a line holds such a class header: reading every
 * class of a 5,000-line views module for it cost a keystroke ~0.3 ms per rule that asked.
 */
import type { Tree } from 'web-tree-sitter';
import type { RuleContext } from '../../rules/api';
import { TreeSlot } from '../cache';
import { CUSTOM_CLASS_HEADER, customQuerysetStamp } from './custom-querysets';
import { classesOfText, projectClassTexts } from './project-classes';
import { fileMatches } from './statements';

/** A module without a QuerySet or Manager class header: none of its classes counts in the stamp. */
const NO_CLASSES: ReadonlyMap<string, string> = new Map();

/** The last stamp of a tree, with the project classes' answer it was made from. */
const STAMPS = new TreeSlot<{ others?: ReadonlyMap<string, string | null>; stamp?: string }>('custom queryset stamp of a module');

export function moduleQuerysetStamp(ctx: RuleContext, tree: Tree): string {
  const others = projectClassTexts(ctx.project, { relPath: ctx.file.relPath, text: ctx.file.text });
  const last = STAMPS.get(tree, () => ({}));
  if (last.others !== others || last.stamp === undefined) {
    last.stamp = customQuerysetStamp(others, fileMatches(ctx, CUSTOM_CLASS_HEADER) ? classesOfText(ctx.file.text) : NO_CLASSES);
    last.others = others;
  }
  return last.stamp;
}
