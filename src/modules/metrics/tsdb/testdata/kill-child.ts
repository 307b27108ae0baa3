/**
 * Child process for the kill -9 test: appends and commits samples, prints "committed", then
 * idles until the parent kills it with SIGKILL (no close(), no exit handlers run).
 */
import { labelsFromObject } from '../../storage.ts';
import { Tsdb } from '../index.ts';

const [dir, commits, perCommit] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const db = Tsdb.open({ dir, now: () => commits * perCommit * 1000, walFsync: 'never' });
const series = Array.from({ length: 10 }, (_, i) =>
  labelsFromObject({ __name__: 'kill_test', i: String(i) }),
);
for (let c = 0; c < commits; c++) {
  const a = db.appender();
  for (let k = 0; k < perCommit; k++) {
    const t = (c * perCommit + k) * 1000;
    for (const l of series) a.append(l, t, t / 1000);
  }
  a.commit();
}
process.stdout.write('committed\n');
// Wait to be killed; exit by itself after a minute should the parent be gone.
setTimeout(() => process.exit(3), 60_000);
