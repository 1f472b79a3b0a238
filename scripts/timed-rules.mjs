// Rules wrapped to time each check() call, for the benches: times.get(ruleId) is the list of milliseconds.
/** @param {readonly any[]} rules @param {Map<string, number[]>} times */
export function timedRules(rules, times) {
  return rules.map((rule) => ({
    meta: rule.meta,
    check(ctx) {
      const started = performance.now();
      try {
        rule.check(ctx);
      } finally {
        const list = times.get(rule.meta.id) ?? [];
        list.push(performance.now() - started);
        times.set(rule.meta.id, list);
      }
    },
  }));
}
