/**
 * A view's bases and mixins defined in another project module (`class EventList(PersonalizedListCreateAPIView)` with
 * `from customizations.views import PersonalizedListCreateAPIView`), as class nodes the rules can read like a base in
 * the same file: their `get_queryset()`, `get_serializer_class()`, `queryset =`, `model =`, `pagination_class =`.
 * The project's classes by name come from project-classes.ts (one class of that name in the project, read once per
 * project state); each class text is parsed once and kept while it is asked about (by text, so an unchanged class
 * costs nothing when another file changes). Nodes of these classes belong to their own small trees: nothing may be
 * inserted at them (no fixes) and a finding must not sit on them.
 */
import { Parser, type Node, type Tree } from 'web-tree-sitter';
import type { ProjectInfo } from '../../rules/api';
import { ProjectSlot } from '../cache';
import { projectClassTexts } from './project-classes';
import { importsOf } from './imports';

/** Packages whose classes are never the project's, whatever a project module names its own. */
const FRAMEWORK_MODULES = /^(rest_framework|django|drf_\w+|rest_framework_\w+|generic_relations)(\.|$)/;

/** Class lookups by name: the analysed module's own classes, then the project's (what a view's MRO walks). */
export interface ClassLookup {
  get(name: string): Node | undefined;
  has(name: string): boolean;
}

const MAX_PARSED = 256;

let parser: Parser | undefined;

/** Parsed class texts per project view, oldest first (a Map keeps insertion order). */
const PARSED = new ProjectSlot<Map<string, Tree>>('DRF view bases: parsed project classes', () => new Map());

/**
 * The classes `local` names, else the project's class of that name in another module (undefined when none or
 * several modules define one). `current` is the analysed file (its own classes are `local`'s).
 */
export function withProjectBases(local: ClassLookup, project: ProjectInfo | undefined, current: { relPath: string; text: string }, like: Tree): ClassLookup {
  let others: ReadonlyMap<string, string | null> | undefined;
  const origins = importsOf(like).origins;
  const project_ = (name: string): Node | undefined => {
    // `from rest_framework.generics import ListAPIView` is DRF's, even where a project module defines its own.
    if (!project || FRAMEWORK_MODULES.test(origins.get(name)?.module ?? '')) return undefined;
    others ??= projectClassTexts(project, current);
    const text = others.get(name);
    return text ? parsedClass(project, text, like) : undefined;
  };
  return {
    get: (name) => local.get(name) ?? project_(name),
    has: (name) => local.has(name) || project_(name) !== undefined,
  };
}

/** True when the node lies in another module's class (parsed apart), not in the analysed tree. */
export function isForeign(node: Node, tree: Tree): boolean {
  return node.tree !== tree;
}

function parsedClass(project: ProjectInfo, text: string, like: Tree): Node | undefined {
  const parsed = PARSED.get(project);
  let tree = parsed.get(text);
  if (!tree) {
    if (!parser) {
      parser = new Parser();
      parser.setLanguage(like.language);
    }
    tree = parser.parse(text) ?? undefined;
    if (!tree) return undefined;
    // The oldest class parsed goes first (a view's chain asks about a handful at a time).
    if (parsed.size >= MAX_PARSED) {
      const [oldText, oldTree] = parsed.entries().next().value as [string, Tree];
      parsed.delete(oldText);
      oldTree.delete();
    }
    parsed.set(text, tree);
  }
  const cls = tree.rootNode.namedChildren[0];
  return cls?.type === 'class_definition' ? cls : undefined;
}

/**
 * `self.read_serializer_class` / `self.serializer_class` in a base's method: the value of that class attribute as
 * the view sets it (the nearest assignment in `member`'s MRO walk), or undefined when it is not a plain name.
 */
export function selfAttributeValue(ref: Node, member: (name: string) => Node | undefined): Node | undefined {
  if (ref.type !== 'attribute' || ref.childForFieldName('object')?.text !== 'self') return undefined;
  const assignment = member(ref.childForFieldName('attribute')?.text ?? '');
  const value = assignment?.type === 'assignment' ? assignment.childForFieldName('right') : undefined;
  return value && (value.type === 'identifier' || value.type === 'attribute') ? value : undefined;
}

/** `model = Post` (nearest in the MRO): the model `self.model.objects` reads, by its last dotted name. */
export function modelAttributeName(member: (name: string) => Node | undefined): string | undefined {
  const assignment = member('model');
  const value = assignment?.type === 'assignment' ? assignment.childForFieldName('right') : undefined;
  if (!value || (value.type !== 'identifier' && value.type !== 'attribute')) return undefined;
  const name = value.type === 'attribute' ? value.childForFieldName('attribute')?.text : value.text;
  return name && name !== 'None' ? name : undefined;
}

/** A method or class attribute (its assignment) of a class's own body. */
export function ownMember(cls: Node | undefined, name: string): Node | undefined {
  for (const statement of cls?.childForFieldName('body')?.namedChildren ?? []) {
    const def = statement?.type === 'decorated_definition' ? statement.childForFieldName('definition') : statement;
    if (def?.type === 'function_definition' && def.childForFieldName('name')?.text === name) return def;
    const assignment = statement?.type === 'expression_statement' ? statement.namedChildren[0] : undefined;
    if (assignment?.type === 'assignment' && assignment.childForFieldName('left')?.text === name) return assignment;
  }
  return undefined;
}
