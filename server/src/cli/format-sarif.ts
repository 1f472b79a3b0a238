/**
 * `--format sarif`: SARIF 2.1.0 as GitHub code scanning accepts it (validated by Microsoft's SARIF
 * Multitool in the tests). Regions are 1-based in UTF-16 code units (SARIF's default columnKind).
 * Locations are relative to the SRCROOT base (the current directory), so the file can be uploaded
 * from any checkout; `partialFingerprints` survive lines moving (see fingerprints.ts).
 */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Rule } from '../../../rules/api';
import { docsBaseUrl, docsUrl } from '../../../rules/api';
import { renderRuleDocs, rulesById } from '../../../rules/docs';
import type { WorkspaceReport } from '../engine/report';
import type { Range } from '../engine/text';
import { findingFingerprints } from './fingerprints';
import { placeholdersOf } from '../engine/messages';

const LEVELS = { error: 'error', warning: 'warning', info: 'note', hint: 'note' } as const;

const region = (r: Range) => ({
  startLine: r.start.line + 1,
  startColumn: r.start.character + 1,
  endLine: r.end.line + 1,
  endColumn: r.end.character + 1,
});

export function formatSarif(report: WorkspaceReport, rules: readonly Rule[], srcRoot: string, toolVersion: string, read: (abs: string) => string | undefined): string {
  const byId = rulesById(rules);
  const ids = [...byId.keys()].sort();
  const ruleIndex = new Map(ids.map((id, i) => [id, i]));
  const uriOf = (abs: string) => {
    const rel = path.relative(srcRoot, abs);
    return rel.startsWith('..') || path.isAbsolute(rel) ? pathToFileURL(abs).href : encodeURI(rel.split(path.sep).join('/'));
  };
  const fingerprints = findingFingerprints(report.findings, read);
  const location = (abs: string) => ({ uri: uriOf(abs), ...(uriOf(abs).startsWith('file:') ? {} : { uriBaseId: 'SRCROOT' }) });

  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'memlint',
            version: toolVersion,
            semanticVersion: toolVersion,
            informationUri: `${docsBaseUrl()}README.md`,
            rules: ids.map((id) => {
              const impls = byId.get(id)!;
              const meta = impls[0].meta;
              return {
                id,
                name: id.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase()),
                shortDescription: { text: meta.docs.summary },
                fullDescription: { text: meta.docs.whatItDoes.replace(/`/g, '') },
                help: { text: `${meta.docs.summary} ${meta.docs.whyIsThisBad}`.replace(/`/g, ''), markdown: renderRuleDocs(id, impls) },
                helpUri: docsUrl(id),
                ...sarifMessageStrings(impls),
                defaultConfiguration: { level: LEVELS[meta.defaultSeverity] },
                properties: { tags: ['memory', 'performance'], precision: 'high' },
              };
            }),
          },
        },
        originalUriBaseIds: { SRCROOT: { uri: pathToFileURL(srcRoot + path.sep).href } },
        invocations: [
          {
            executionSuccessful: true,
            toolExecutionNotifications: report.notes.map((n) => ({
              level: n.kind === 'rule-error' ? 'error' : 'note',
              message: { text: n.message },
              locations: [{ physicalLocation: { artifactLocation: location(n.path) } }],
            })),
          },
        ],
        results: report.findings.map((f, i) => ({
          ruleId: f.ruleId,
          ...(ruleIndex.has(f.ruleId) ? { ruleIndex: ruleIndex.get(f.ruleId) } : {}),
          level: LEVELS[f.severity],
          // text: the headline; markdown: headline and detail (viewers that render markdown show both).
          message: {
            ...(f.messageId ? { id: f.messageId, arguments: f.messageArguments ?? [] } : {}),
            text: f.message,
            ...(f.detail ? { markdown: `${f.message}\n\n${f.detail}` } : {}),
          },
          locations: [{ physicalLocation: { artifactLocation: location(f.path), region: region(f.range) } }],
          ...(f.related
            ? {
                relatedLocations: f.related.map((r, id) => ({
                  id,
                  physicalLocation: { artifactLocation: location(r.path), region: region(r.range) },
                  message: { text: r.message },
                })),
              }
            : {}),
          partialFingerprints: { 'memlint/v1': fingerprints[i] },
          ...(f.fixes.length
            ? {
                fixes: f.fixes.map((x) => ({
                  description: { text: `${x.title} (${x.safety})` },
                  artifactChanges: [
                    {
                      artifactLocation: location(f.path),
                      replacements: x.edits.map((e) => ({ deletedRegion: region(e.range), insertedContent: { text: e.newText } })),
                    },
                  ],
                })),
              }
            : {}),
        })),
      },
    ],
  };
  return JSON.stringify(sarif, null, 2) + '\n';
}

/**
 * The rule's message ids as SARIF `messageStrings` (placeholders numbered as SARIF wants); a result names
 * one by `message.id` and still carries its filled `text`, which viewers show.
 */
function sarifMessageStrings(impls: readonly Rule[]): { messageStrings?: Record<string, { text: string }> } {
  const strings: Record<string, { text: string }> = {};
  for (const rule of impls) {
    for (const [id, template] of Object.entries(rule.meta.messages ?? {})) {
      const names = [...new Set(placeholdersOf(template))];
      // SARIF wants rule metadata messages to end with a period (SARIF2001); headlines themselves do not.
      strings[id] = { text: `${template.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => `{${names.indexOf(name)}}`)}.` };
    }
  }
  return Object.keys(strings).length ? { messageStrings: strings } : {};
}
