/** Runs autocannon in a child process (so the load generator does not share the server's event loop). */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

/** Loads `url` for `duration` seconds with `connections` keep-alive connections. */
export function loadTest(
  url: string,
  opts: {
    duration?: number;
    connections?: number;
    headers?: Record<string, string>;
    method?: string;
    body?: string;
    /** Request paths taken in turn (over all connections) instead of the URL's path. */
    paths?: string[];
  } = {},
): Promise<LoadResult> {
  const bin = require.resolve('autocannon/autocannon.js');
  const args = [bin, '-j', '-c', String(opts.connections ?? 16), '-d', String(opts.duration ?? 8)];
  for (const [k, v] of Object.entries(opts.headers ?? {})) args.push('-H', `${k}=${v}`);
  if (opts.method) args.push('-m', opts.method);
  if (opts.body) args.push('-b', opts.body);
  args.push(url);
  if (opts.paths?.length) {
    // The CLI has no way to vary the path: use the API in the child, same options and output.
    const spec = JSON.stringify({
      url,
      connections: opts.connections ?? 16,
      duration: opts.duration ?? 8,
      headers: opts.headers,
      method: opts.method,
      body: opts.body,
      paths: opts.paths,
    });
    const script = `const a = require(${JSON.stringify(require.resolve('autocannon'))});
const { paths, ...o } = ${spec}; let i = 0;
a({ ...o, requests: [{ setupRequest: (r) => ({ ...r, path: paths[i++ % paths.length] }) }] },
  (err, res) => { if (err) { console.error(err); process.exit(1); } process.stdout.write(JSON.stringify(res)); });`;
    args.splice(0, args.length, '-e', script);
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited ${code}: ${err}`));
      const r = JSON.parse(out);
      resolve({
        rps: r.requests.average,
        p50: r.latency.p50,
        p99: r.latency.p99,
        non2xx: r.non2xx,
        errors: r.errors,
      });
    });
  });
}
