/**
 * "memlint: Show Server Info": which server is running and what it sees (version, server script, config file,
 * projects, deploys, rules), shown as a Markdown document and written to the output channel, the answer to
 * "which memlint is this and why does it (not) report X".
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { ServerInfoRequest, type ServerInfo } from '../../server/src/lsp/protocol';

export async function showServerInfo(client: LanguageClient, output: vscode.LogOutputChannel, extensionVersion: string): Promise<ServerInfo | undefined> {
  if (!client.isRunning()) {
    void vscode.window.showWarningMessage('memlint: the language server is not running.', 'Show Output').then((c) => c && output.show(true));
    return undefined;
  }
  const info = await client.sendRequest<ServerInfo>(ServerInfoRequest);
  const text = serverInfoMarkdown(info, extensionVersion);
  output.info(`Server info:\n${text}`);
  const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: text });
  await vscode.window.showTextDocument(doc, { preview: true });
  return info;
}

export function serverInfoMarkdown(info: ServerInfo, extensionVersion: string): string {
  const out = [
    '# memlint server info',
    '',
    `- Extension: ${extensionVersion}`,
    `- Server: ${info.name} ${info.version}, pid ${info.pid}, Node ${info.nodeVersion}`,
    `- Server path: \`${info.serverPath}\``,
  ];
  if (info.folders.length === 0) out.push('', 'No workspace folder is open: only open files are analysed.');
  for (const f of info.folders) {
    out.push('', `## ${f.root}`, '');
    out.push(`- Enabled: ${f.settings.enable ? 'yes' : 'no (memlint.enable)'}; runs ${f.settings.run === 'onType' ? 'as you type' : 'on save'}`);
    out.push(`- Config file: ${f.configFile ? `\`${f.configFile}\`` : 'none (defaults)'}`);
    if (f.configError) {
      out.push(`- Configuration error: ${f.configError}`);
      continue;
    }
    out.push(`- Memory limit: ${f.memoryLimitMb ? `${f.memoryLimitMb} MB (memoryLimitMb)` : 'read from the deploy files'}`);
    out.push(`- Files memlint recognises: ${f.filesKnown}`);
    out.push(`- Projects: ${f.projects.length ? f.projects.map((p) => `\`${p.path === '.' ? '(root)' : p.path}\` (${p.markers.join(', ')})`).join(', ') : 'none found'}`);
    out.push(`- Deploys: ${f.deploys.length ? f.deploys.map((d) => `${d.label}: ~${d.estimateMb} MB${d.limitMb ? ` of ${d.limitMb} MB` : ', no known limit'}`).join('; ') : 'none found'}`);
    out.push(`- Rules (${f.rules.length}): ${f.rules.map((r) => `${r.id} (${r.severity})`).join(', ')}`);
  }
  return out.join('\n') + '\n';
}
