/**
 * Message templates (`meta.messages`, typescript-eslint's `{{name}}` placeholders): filled by the engine for every
 * report, and by rules that fit a headline to the Problems panel's line before they report it.
 */
const PLACEHOLDER = /\{\{\s*(\w+)\s*\}\}/g;

export function fillTemplate(template: string, data: Readonly<Record<string, string | number>>, messageId: string): string {
  return template.replace(PLACEHOLDER, (_, name: string) => {
    if (!(name in data)) throw new Error(`messageId "${messageId}" needs data.${name}`);
    return String(data[name]);
  });
}

/** The placeholder names of a template, for the docs and the meta test. */
export function placeholdersOf(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]);
}
