/** The status bar item: the workspace's problem count (or scanning / stopped / config error); opens the report. */
import * as vscode from 'vscode';
import type { StatusParams } from '../../server/src/lsp/protocol';

export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;

  constructor() {
    this.item = vscode.window.createStatusBarItem('memlint.status', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'memlint';
    this.item.command = 'memlint.showReport';
    this.item.show();
  }

  starting(): void {
    this.set('$(sync~spin) memlint', 'memlint: starting the language server');
  }

  stopped(): void {
    this.set('$(circle-slash) memlint', 'memlint: the language server is not running. Click for the report; run "memlint: Restart Server" to start it.', true);
    this.item.command = 'memlint.showOutput';
  }

  update(p: StatusParams): void {
    this.item.command = 'memlint.showReport';
    if (p.configErrors > 0) {
      this.set('$(error) memlint: config', 'memlint: the configuration file has an error (see Problems). Click for the report.', true);
      return;
    }
    const count = `${p.findings} problem${p.findings === 1 ? '' : 's'} in ${p.files} file${p.files === 1 ? '' : 's'}`;
    if (p.scanning) this.set(`$(sync~spin) memlint ${p.findings}`, `memlint: scanning the workspace… ${count} so far`);
    else if (p.findings === 0) this.set('$(check) memlint', 'memlint: no memory problems found. Click for the report.');
    else this.set(`$(warning) memlint ${p.findings}`, `memlint: ${count}. Click for the report.`);
  }

  dispose(): void {
    this.item.dispose();
  }

  private set(text: string, tooltip: string, error = false): void {
    this.item.text = text;
    this.item.tooltip = tooltip;
    this.item.backgroundColor = error ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  }
}
