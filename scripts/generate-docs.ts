/** Writes docs/rules/<id>.md for every rule and the rule index docs/rules/README.md. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allRules } from '../rules/index';
import { renderRuleDocs, renderRuleIndex, rulesById } from '../rules/docs';

const dir = path.join(__dirname, '..', 'docs', 'rules');
fs.mkdirSync(dir, { recursive: true });
const byId = rulesById(allRules);
for (const [id, impls] of byId) fs.writeFileSync(path.join(dir, `${id}.md`), renderRuleDocs(id, impls));
fs.writeFileSync(path.join(dir, 'README.md'), renderRuleIndex(byId));
for (const file of fs.readdirSync(dir)) {
  if (file !== 'README.md' && !byId.has(file.replace(/\.md$/, ''))) fs.rmSync(path.join(dir, file));
}
console.log(`wrote ${byId.size} rule pages to docs/rules/`);
