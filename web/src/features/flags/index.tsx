/** The feature-flags console section: flags, a flag's page and editor, segments, flagd import/export. */
import type { ConsoleSection } from '../../features.ts';
import { match } from '../../router.tsx';
import { EditFlag } from './EditFlag.tsx';
import { FlagdPage } from './Flagd.tsx';
import { FlagList } from './FlagList.tsx';
import { FlagPage } from './FlagPage.tsx';
import { NewFlag } from './NewFlag.tsx';
import { SegmentList, SegmentPage } from './Segments.tsx';
import './flags.css';

export const section: ConsoleSection = {
  name: 'flags',
  nav: [
    { to: '/flags', label: 'Feature flags', group: 'operate', order: 60 },
    { to: '/flag-segments', label: 'Flag segments', group: 'configure', order: 60 },
  ],
  route(path) {
    if (path === '/flags') return <FlagList />;
    if (path === '/flags/new') return <NewFlag />;
    if (path === '/flags/flagd') return <FlagdPage />;
    if (path === '/flag-segments') return <SegmentList />;
    if (path === '/flag-segments/new') return <SegmentPage key="new" segKey={null} />;
    const seg = match('/flag-segments/:key', path);
    if (seg) return <SegmentPage key={seg.key} segKey={seg.key} />;
    const edit = match('/flags/:key/edit', path);
    if (edit) return <EditFlag key={edit.key} flagKey={edit.key} />;
    const flag = match('/flags/:key', path);
    if (flag) return <FlagPage key={flag.key} flagKey={flag.key} />;
    return undefined;
  },
};
