/**
 * The memlint VS Code extension: starts the bundled language server (dist/server.js) over IPC and adds the
 * commands, the status bar item and the report view. No analysis happens here.
 */
import * as vscode from 'vscode';
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  RevealOutputChannelOn,
  State,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import {
  ScanWorkspaceRequest,
  ShowBudgetCommand,
  ShowDocumentationCommand,
  StatusNotification,
  type ScanWorkspaceResult,
  type StatusParams,
} from '../../server/src/lsp/protocol';
import { showBudgetBreakdown } from './budget-command';
import { ReportPanel } from './report-view';
import { showServerInfo } from './server-info';
import { StatusBar } from './status-bar';

/** Files memlint analyses: by language and by the names of deploy files that have no language of their own. */
export const DOCUMENT_SELECTOR = [
  ...['python', 'typescript', 'typescriptreact', 'javascript', 'javascriptreact', 'dockerfile', 'yaml', 'toml', 'json', 'jsonc', 'dotenv', 'pip-requirements', 'shellscript', 'ini'].flatMap(
    (language) => [
      { scheme: 'file', language },
      { scheme: 'untitled', language },
    ],
  ),
  // By name too: a bare VS Code has no language for TOML, Procfiles, .env or requirements files (they open as
  // plain text), and these are the files whose lenses, hovers and fixes matter most.
  {
    scheme: 'file',
    pattern:
      '**/{fly.toml,railway.toml,memlint.toml,pyproject.toml,Procfile,Procfile.*,Dockerfile,Dockerfile.*,*.dockerfile,Containerfile,.env,.env.*,*.env,requirements*.txt,requirements*.in,constraints.txt,*.sh,*.ini,docker-entrypoint,supervisord.conf}',
  },
];

const CRASH_WINDOW_MS = 3 * 60 * 1000;
const MAX_RESTARTS = 4;

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('memlint', { log: true });
  context.subscriptions.push(output);
  const status = new StatusBar();
  context.subscriptions.push(status);

  const serverModule = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6012'] } },
  };

  const crashes: number[] = [];
  const clientOptions: LanguageClientOptions = {
    documentSelector: DOCUMENT_SELECTOR,
    diagnosticCollectionName: 'memlint',
    outputChannel: output,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    errorHandler: {
      error: (_error, _message, count) => ({ action: count !== undefined && count <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown }),
      closed: () => {
        const now = Date.now();
        crashes.push(now);
        while (crashes.length && now - crashes[0] > CRASH_WINDOW_MS) crashes.shift();
        if (crashes.length <= MAX_RESTARTS) {
          void vscode.window
            .showWarningMessage(`memlint: the language server stopped unexpectedly and was restarted (${crashes.length} of ${MAX_RESTARTS} in 3 minutes).`, 'Show Output')
            .then((choice) => choice && output.show(true));
          return { action: CloseAction.Restart, handled: true };
        }
        void vscode.window
          .showErrorMessage('memlint: the language server crashed 5 times in 3 minutes and was not restarted. Its output says why.', 'Show Output', 'Restart Server')
          .then((choice) => {
            if (choice === 'Show Output') output.show(true);
            if (choice === 'Restart Server') void vscode.commands.executeCommand('memlint.restartServer');
          });
        return { action: CloseAction.DoNotRestart, handled: true };
      },
    },
  };

  client = new LanguageClient('memlint', 'memlint', serverOptions, clientOptions);
  const c = client;
  const report = new ReportPanel(context, () => c);

  context.subscriptions.push(
    c.onDidChangeState((e) => {
      if (e.newState === State.Stopped) status.stopped();
      if (e.newState === State.Starting) status.starting();
    }),
    vscode.commands.registerCommand('memlint.scanWorkspace', async () => {
      if (!c.isRunning()) await c.start();
      const result = await c.sendRequest<ScanWorkspaceResult>(ScanWorkspaceRequest);
      const summary = result.cancelled
        ? `memlint: scan cancelled after ${result.files} files.`
        : `memlint: scanned ${result.files} files in ${(result.durationMs / 1000).toFixed(1)} s: ${result.findings} problem${result.findings === 1 ? '' : 's'}.`;
      void vscode.window.showInformationMessage(summary, 'Show Report').then((choice) => choice && report.show());
      return result;
    }),
    vscode.commands.registerCommand('memlint.showReport', () => report.show()),
    vscode.commands.registerCommand('memlint.restartServer', async () => {
      crashes.length = 0;
      output.appendLine('Restarting the memlint language server…');
      if (c.state === State.Stopped) await c.start();
      else await c.restart();
    }),
    vscode.commands.registerCommand('memlint.showOutput', () => output.show(true)),
    vscode.commands.registerCommand('memlint.showServerInfo', () => showServerInfo(c, output, String(context.extension.packageJSON.version ?? ''))),
    vscode.commands.registerCommand(ShowDocumentationCommand, (ruleId: string, href?: string) => showDocumentation(context, ruleId, href)),
    vscode.commands.registerCommand(ShowBudgetCommand, showBudgetBreakdown),
  );

  // Re-registered on every (re)start of the server.
  c.onNotification(StatusNotification, (p: StatusParams) => {
    status.update(p);
    report.onStatus();
  });

  status.starting();
  try {
    await c.start();
  } catch (e) {
    output.appendLine(`memlint: the language server did not start: ${String((e as Error)?.stack ?? e)}`);
    status.stopped();
    void vscode.window.showErrorMessage('memlint: the language server did not start. See the output.', 'Show Output').then((x) => x && output.show(true));
  }
}

export async function deactivate(): Promise<void> {
  if (client?.isRunning()) await client.stop();
  client = undefined;
}

/** Opens the rule's page bundled with the extension (offline), else its web page. */
async function showDocumentation(context: vscode.ExtensionContext, ruleId: string, href?: string): Promise<void> {
  if (typeof ruleId !== 'string' || !/^[a-z0-9-]+$/.test(ruleId)) return;
  const local = vscode.Uri.joinPath(context.extensionUri, 'docs', 'rules', `${ruleId}.md`);
  try {
    await vscode.workspace.fs.stat(local);
    await vscode.commands.executeCommand('markdown.showPreview', local);
    return;
  } catch {
    // not bundled (or no markdown preview): fall back to the web page
  }
  if (href) await vscode.env.openExternal(vscode.Uri.parse(href));
}
