/**
 * The command a memory-budget code lens runs: puts the cursor on the lens's line and shows the hover there,
 * which holds the full breakdown (a lens title has room for the total only).
 */
import * as vscode from 'vscode';

export async function showBudgetBreakdown(uri: unknown, position: unknown): Promise<void> {
  if (typeof uri !== 'string' || !isPosition(position)) return;
  const editor = await vscode.window.showTextDocument(vscode.Uri.parse(uri));
  const at = new vscode.Position(position.line, position.character);
  editor.selection = new vscode.Selection(at, at);
  editor.revealRange(new vscode.Range(at, at));
  await vscode.commands.executeCommand('editor.action.showHover');
}

function isPosition(p: unknown): p is { line: number; character: number } {
  const q = p as { line?: unknown; character?: unknown } | null;
  return !!q && Number.isInteger(q.line) && Number.isInteger(q.character);
}
