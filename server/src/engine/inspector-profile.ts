/**
 * A V8 CPU profile recorded through the inspector, for processes and worker threads that `node --cpu-prof` cannot
 * profile (worker threads; a child stopped by its parent). Used by the scan workers' and the documents' worker's
 * profile switches.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Session } from 'node:inspector';

/** Starts recording, sampling every `intervalMicros`. */
export function startInspectorProfile(intervalMicros: number): Session {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: intervalMicros });
  session.post('Profiler.start');
  return session;
}

/** Stops recording and writes the profile to `file` (its folder created), then calls `done`, also on failure. */
export function writeInspectorProfile(session: Session, file: string, done: () => void): void {
  session.post('Profiler.stop', (err, result) => {
    try {
      if (!err) {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, JSON.stringify(result.profile));
      }
    } finally {
      done();
    }
  });
}
