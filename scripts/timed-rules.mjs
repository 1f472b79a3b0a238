// Rules wrapped to time each check() call, for the benches: times.get(ruleId) is the list of milliseconds.
// With `cpuTimes`, also the process's CPU milliseconds per call (user + system): on a shared, loaded machine
// wall time measures the other work as much as the rule; CPU time mostly does not.
/** @param {readonly any[]} rules @param {Map<string, number[]>} times @param {Map<string, number[]>} [cpuTimes] */
export function timedRules(rules, times, cpuTimes) {
  return rules.map((rule) => ({
    meta: rule.meta,
    check(ctx) {
      const started = performance.now();
      const cpu = cpuTimes ? process.cpuUsage() : undefined;
      try {
        rule.check(ctx);
      } finally {
        const list = times.get(rule.meta.id) ?? [];
        list.push(performance.now() - started);
        times.set(rule.meta.id, list);
        if (cpu) {
          const used = process.cpuUsage(cpu);
          const cpuList = cpuTimes.get(rule.meta.id) ?? [];
          cpuList.push((used.user + used.system) / 1000);
          cpuTimes.set(rule.meta.id, cpuList);
        }
      }
    },
  }));
}
