/**
 * large-request-body-limit (Streamlit setup scripts): the Heroku template's `setup.sh`, which writes
 * `~/.streamlit/config.toml` at start (`echo "[server]\n headless = true\n" > ~/.streamlit/config.toml`). A
 * `maxUploadSize` above the threshold is reported as in a config.toml; a `[server]` section without one leaves
 * Streamlit's 200 MB default, reported when a deploy of the project runs the script and the app has a
 * `file_uploader`.
 */
import { defineRule, type RuleContext } from '../api';
import { Workspace } from '../../analysis/deploy/deploy-files';
import { findDeploys } from '../../analysis/deploy/deploys';
import { requestBodyLimitDocs, requestBodyLimitMeta, STREAMLIT_DEFAULT_MB } from './meta';

/** Streamlit's own default for server.maxUploadSize, in MB. */
const WRITES_CONFIG = />>?\s*["']?[^\s"';&|]*\.streamlit\/config\.toml/;

export default defineRule({
  meta: {
    ...requestBodyLimitMeta,
    kinds: ['shell'],
    trigger: /\.streamlit\/config\.toml/,
    docs: {
      ...requestBodyLimitDocs,
      whatItDoes:
        'Finds shell scripts that write `.streamlit/config.toml` at start (the Heroku template\'s `setup.sh`) with a ' +
        '`maxUploadSize` above `thresholdMb` (default 10), or with a `[server]` section and no `maxUploadSize` at all when a ' +
        'deploy file of the project runs the script and the app has an `st.file_uploader` (Streamlit then accepts its ' +
        '200 MB default).',
      notes:
        'The script is read as text: a `maxUploadSize` set from a variable counts as set. A `.streamlit/config.toml` in ' +
        'the repository without `maxUploadSize` is not reported yet.',
      example: {
        fileName: 'setup.sh',
        code: `mkdir -p ~/.streamlit/
echo "\\
[server]\\n\\
headless = true\\n\\
maxUploadSize = 1000\\n\\
" > ~/.streamlit/config.toml
`,
      },
      useInstead: {
        fileName: 'setup.sh',
        code: `mkdir -p ~/.streamlit/
echo "\\
[server]\\n\\
headless = true\\n\\
maxUploadSize = 10\\n\\
" > ~/.streamlit/config.toml
`,
      },
    },
  },
  check(ctx) {
    const text = ctx.file.text;
    if (!WRITES_CONFIG.test(text)) return;
    const thresholdMb = ctx.options.thresholdMb as number;
    const explicit = /\bmaxUploadSize\s*=\s*(\d+(?:\.\d+)?)/.exec(text);
    if (explicit) {
      const size = Number(explicit[1]);
      if (!(size > thresholdMb)) return;
      const start = explicit.index + explicit[0].length - explicit[1].length;
      const end = start + explicit[1].length;
      ctx.report({
        start,
        end,
        messageId: 'max-upload-size',
        data: { size, threshold: thresholdMb },
        detail: `The config.toml this script writes sets server.maxUploadSize = ${size}: Streamlit keeps each uploaded file entirely in memory for the session. Lower it to ${thresholdMb} (MB) and send larger files straight to object storage.`,
        fixes: [{ title: `Lower server.maxUploadSize to ${thresholdMb} MB`, safety: 'unsafe', edits: [{ start, end, newText: String(thresholdMb) }] }],
      });
      return;
    }
    if (/\bmaxUploadSize\b/.test(text)) return; // set some other way ($MAX_UPLOAD): say nothing
    const server = /\[server\]/.exec(text);
    if (!server || !runByStreamlitDeploy(ctx) || !uploads(ctx)) return;
    ctx.report({
      start: server.index,
      end: server.index + server[0].length,
      messageId: 'setup-script-default',
      detail:
        `The config.toml this script writes has no server.maxUploadSize, so Streamlit accepts its ${STREAMLIT_DEFAULT_MB} MB default, and ` +
        `keeps each uploaded file entirely in memory for the session. Add maxUploadSize = ${thresholdMb} to the [server] section ` +
        `and send larger files straight to object storage.`,
    });
  },
});

/** A deploy of the project runs Streamlit, and one of its deploy files names this script (`web: sh setup.sh && streamlit run app.py`). */
function runByStreamlitDeploy(ctx: RuleContext): boolean {
  const ws = Workspace.of(ctx);
  const name = ctx.file.relPath.slice(ctx.file.relPath.lastIndexOf('/') + 1);
  return findDeploys(ws).some(
    (d) => d.processes.some((p) => p.command.program === 'streamlit') && d.files.some((f) => f !== ctx.file.relPath && (ws.read(f) ?? '').includes(name)),
  );
}

/** The project's Python code has a Streamlit file uploader. */
function uploads(ctx: RuleContext): boolean {
  return ctx.project.files().some((f) => f.endsWith('.py') && /\bfile_uploader\s*\(/.test(ctx.project.readFile(f) ?? ''));
}
