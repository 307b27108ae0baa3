/**
 * The web console module: serves the React single-page app built from web/ at `/`. It owns no
 * tables and no engines; every screen talks to the public REST API with the session cookie.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineModule } from '../module.ts';
import { consoleRoutes } from './console-routes.ts';

/** Where `npm run build:web` writes the console. */
export const DEFAULT_DIST_DIR = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'web',
  'dist',
);

export default defineModule({
  name: 'console',
  create() {
    return { routes: consoleRoutes({ distDir: DEFAULT_DIST_DIR }) };
  },
});
