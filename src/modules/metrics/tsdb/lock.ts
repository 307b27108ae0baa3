/**
 * A lock file (`dir/LOCK` holding the owner's pid) so two processes never write one store.
 * A lock left by a dead process (kill -9) is taken over; the same process may reopen its own
 * directory (tests simulate an abandoned instance that way).
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock; returns a release function. Throws when another live process holds it. */
export function lockDir(dir: string): () => void {
  const path = join(dir, 'LOCK');
  try {
    const fd = openSync(path, 'wx');
    writeSync(fd, String(process.pid));
    closeSync(fd);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const owner = Number(readFileSync(path, 'utf8'));
    if (owner && owner !== process.pid && alive(owner)) {
      throw new Error(`tsdb: ${dir} is in use by process ${owner}`);
    }
    writeFileSync(path, String(process.pid));
  }
  return () => {
    try {
      if (Number(readFileSync(path, 'utf8')) === process.pid) unlinkSync(path);
    } catch {
      // Already gone: nothing to release.
    }
  };
}
