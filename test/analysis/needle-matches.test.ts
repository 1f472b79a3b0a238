import * as assert from 'node:assert/strict';
import { assignedWords, lineAnchoredMatches } from '../../analysis/needle-matches';

/** Texts with the edge cases of the patterns: `==`, `!=`, spaces before `=`, blank lines, tabs, non-ASCII spaces. */
const TEXTS = [
  'a = 1\nb == 2\nc != 3\nd<=4\ne  =\n5\nf=g=h\n',
  'class A(serializers.ModelSerializer):\n    class Meta:\n        model = A\n        fields = ["x", "is_featured"]\n',
  'class B:\n\n    class Meta:\n        model = B\n        fields = "__all__"\n\n\n    class  Meta :\n\texclude = ()\n',
  '  fields = (\n  "a",\n  fields = ["b"]\n)\nx.fields = ["c"]\n\u00a0fields=[1]\r\n fields = [2]\u2028fields = [3]\n',
  'subclass Meta:\n  class Meta\n  class Metadata:\n= 1\n  = 2\n\u00e9t\u00e9 = 3\nclass_ = 4\n',
  '',
  '=',
  'x=',
];

describe('needle-matches', () => {
  it('assignedWords finds what /\\b(\\w+)\\s*=(?!=)/g finds', () => {
    for (const text of TEXTS) {
      const expected = [...text.matchAll(/\b(\w+)\s*=(?!=)/g)].map((m) => ({ index: m.index, word: m[1], length: m[0].length }));
      assert.deepEqual(assignedWords(text), expected, JSON.stringify(text));
    }
  });

  it('lineAnchoredMatches finds what the pattern tried at every line start finds', () => {
    const patterns: [RegExp, string][] = [
      [/^\s*fields\s*=\s*[[(]([^\])]*)[\])]/gm, 'fields'],
      [/^(\s*)class\s+Meta\b[^\n]*\n((?:\1\s+[^\n]*\n|\s*\n)*)/gm, 'class'],
    ];
    for (const text of TEXTS) {
      for (const [re, needle] of patterns) {
        const sticky = new RegExp(re.source, 'my');
        const expected = [...text.matchAll(re)].map((m) => [m.index, ...m]);
        assert.deepEqual(lineAnchoredMatches(text, sticky, needle).map((m) => [m.index, ...m]), expected, `${re} on ${JSON.stringify(text)}`);
      }
    }
  });
});
