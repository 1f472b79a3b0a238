/** Checks that a (fixed) file still parses, with the strictest checker we have for its kind. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ts } from 'ts-morph';
import { parseAllDocuments } from 'yaml';
import { parseTree, type ParseError } from 'jsonc-parser';
import { parseTOML } from 'toml-eslint-parser';
import type { FileKind } from '../../rules/api';

/** Returns a description of the first syntax error, or undefined when the text parses. */
export function syntaxError(kind: FileKind, fileName: string, text: string): string | undefined {
  switch (kind) {
    case 'python':
      return pythonCompileError(fileName, text);
    case 'typescript':
    case 'javascript': {
      const kindFor = /\.tsx$/.test(fileName) ? ts.ScriptKind.TSX : /\.jsx$/.test(fileName) ? ts.ScriptKind.JSX : kind === 'typescript' ? ts.ScriptKind.TS : ts.ScriptKind.JS;
      const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, kindFor);
      const diags = (sf as unknown as { parseDiagnostics: ts.Diagnostic[] }).parseDiagnostics;
      return diags.length ? ts.flattenDiagnosticMessageText(diags[0].messageText, '\n') : undefined;
    }
    case 'yaml': {
      const docs = parseAllDocuments(text);
      const errors = Array.isArray(docs) ? docs.flatMap((d) => d.errors) : [];
      return errors.length ? errors[0].message : undefined;
    }
    case 'json': {
      const errors: ParseError[] = [];
      parseTree(text, errors, { allowTrailingComma: false });
      return errors.length ? `JSON parse error at offset ${errors[0].offset}` : undefined;
    }
    case 'toml':
      try {
        parseTOML(text);
        return undefined;
      } catch (e) {
        return (e as Error).message;
      }
    default:
      return undefined;
  }
}

/** `python3 -m py_compile` on a temporary copy. */
export function pythonCompileError(fileName: string, text: string): string | undefined {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memlint-pyc-'));
  const file = path.join(dir, path.basename(fileName));
  try {
    fs.writeFileSync(file, text);
    execFileSync('python3', ['-m', 'py_compile', file], { stdio: 'pipe', env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONPYCACHEPREFIX: dir } });
    return undefined;
  } catch (e) {
    return String((e as { stderr?: Buffer }).stderr ?? e);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
