/**
 * A compose file whose every service runs a prebuilt image with its own process (`postgres:15`, `redis`): it builds
 * nothing and starts no command, so it runs none of the code around it. A folder of lessons that keeps such a file
 * for its database is not deployed by it.
 */
import { parseAllDocuments, isMap } from 'yaml';

/** Keys that make a service build or run code of the project (a mounted script as `command:` too). */
const RUNS_PROJECT_CODE = ['build', 'command', 'entrypoint', 'working_dir'];

export function imageOnlyCompose(text: string): boolean {
  let services = 0;
  try {
    for (const doc of parseAllDocuments(text)) {
      if (!('errors' in doc) || doc.errors.length > 0) return false;
      const map = doc.get('services');
      if (!isMap(map)) return false;
      for (const pair of map.items) {
        const service = pair.value;
        if (!isMap(service) || RUNS_PROJECT_CODE.some((key) => service.has(key)) || !service.has('image')) return false;
        services++;
      }
    }
  } catch {
    return false;
  }
  return services > 0;
}
