/**
 * The embedded store's status (`/tsdb-status`), like Prometheus' /tsdb-status: head figures,
 * storage (retention, blocks, WAL, bytes per sample and per series, refused samples) and the
 * cardinality top lists, whose metric names link to the explorer.
 */
import { useState } from 'react';
import { Link } from '../../router.tsx';
import { Badge, EmptyState, ErrorBanner, Facts, Loading, PageHeader, useApi } from '../../ui/components.tsx';
import { SimpleTable } from '../../ui/table.tsx';
import { formatBytes, formatCount } from './promapi.ts';

interface Stat {
  name: string;
  value: number;
}
export interface TsdbStatusData {
  headStats: {
    numSeries: number;
    numLabelPairs: number;
    chunkCount: number;
    minTime: number;
    maxTime: number;
  };
  seriesCountByMetricName: Stat[];
  labelValueCountByLabelName: Stat[];
  memoryInBytesByLabelName: Stat[];
  seriesCountByLabelValuePair: Stat[];
  storage: {
    backend: { kind: 'embedded' | 'prometheus'; url: string | null; forwarding: boolean };
    retention: string;
    headSamples: number;
    headChunkBytes: number;
    bytesPerSeriesInMemory: number;
    blocks: number;
    blockBytes: number;
    blockSamples: number;
    bytesPerSampleOnDisk: number;
    oldestBlockTime: number | null;
    walBytes: number;
    walSegments: number;
    walCorruptions: number;
    rejectedSamples: Record<string, number>;
  };
}

const iso = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString() : null);
const when = (ms: number | null | undefined) =>
  ms ? (
    <time dateTime={iso(ms) ?? undefined} title={iso(ms) ?? undefined}>
      {new Date(ms).toLocaleString()}
    </time>
  ) : null;

export function TsdbStatus() {
  const [limit, setLimit] = useState('10');
  const { data, error, reload, loading } = useApi<{ data: TsdbStatusData }>(
    `/api/v1/status/tsdb?limit=${limit}`,
  );
  const d = data?.data;
  const rejected = d ? Object.entries(d.storage.rejectedSamples).filter(([, n]) => n > 0) : [];
  const explore = (name: string) => `/explore?q=${encodeURIComponent(name)}`;
  return (
    <>
      <PageHeader
        title="TSDB status"
        actions={
          <button type="button" className="btn" onClick={reload} disabled={loading}>
            Refresh
          </button>
        }
      >
        The embedded time-series store: what it holds, what it costs, and which series make it big.
      </PageHeader>
      <ErrorBanner error={error} />
      {!d ? (
        error ? null : (
          <Loading what="Loading the store's status" />
        )
      ) : (
        <>
          {d.storage.backend.kind === 'prometheus' ? (
            <p className="banner banner-info">
              Queries are delegated to <code>{d.storage.backend.url}</code>
              {d.storage.backend.forwarding
                ? '; Vigil remote-writes its own series there.'
                : '; Vigil does not forward its own series (forward: false).'}{' '}
              This page describes the embedded store, which keeps accepting writes.
            </p>
          ) : null}
          <div className="grid-2">
            <section className="card" aria-labelledby="tsdb-head">
              <h2 id="tsdb-head" className="card-title">
                Head (in memory)
              </h2>
              <Facts
                rows={[
                  ['Series', formatCount(d.headStats.numSeries)],
                  ['Label pairs', formatCount(d.headStats.numLabelPairs)],
                  ['Chunks', formatCount(d.headStats.chunkCount)],
                  ['Samples', formatCount(d.storage.headSamples)],
                  ['Chunk bytes', formatBytes(d.storage.headChunkBytes)],
                  ['Memory per series (approx.)', formatBytes(d.storage.bytesPerSeriesInMemory)],
                  ['Oldest sample', when(d.headStats.numSeries ? d.headStats.minTime : null)],
                  ['Newest sample', when(d.headStats.numSeries ? d.headStats.maxTime : null)],
                ]}
              />
            </section>
            <section className="card" aria-labelledby="tsdb-disk">
              <h2 id="tsdb-disk" className="card-title">
                Storage (on disk)
              </h2>
              <Facts
                rows={[
                  ['Retention', d.storage.retention],
                  ['Blocks', formatCount(d.storage.blocks)],
                  ['Block bytes', formatBytes(d.storage.blockBytes)],
                  ['Block samples', formatCount(d.storage.blockSamples)],
                  [
                    'Bytes per sample',
                    d.storage.blockSamples ? d.storage.bytesPerSampleOnDisk.toFixed(2) : 'no blocks yet',
                  ],
                  ['Oldest block data', when(d.storage.oldestBlockTime)],
                  [
                    'Write-ahead log',
                    `${formatBytes(d.storage.walBytes)} in ${d.storage.walSegments} segments`,
                  ],
                  [
                    'WAL corruptions',
                    d.storage.walCorruptions ? (
                      <Badge key="wal" tone="danger">
                        {d.storage.walCorruptions}
                      </Badge>
                    ) : (
                      '0'
                    ),
                  ],
                  [
                    'Refused samples',
                    rejected.length
                      ? rejected.map(([k, n]) => `${formatCount(n)} ${k.replace(/_/g, ' ')}`).join(', ')
                      : 'none',
                  ],
                ]}
              />
            </section>
          </div>
          <div className="filters">
            <label className="filter">
              Entries per list
              <select value={limit} onChange={(e) => setLimit(e.target.value)}>
                {['10', '20', '50', '100'].map((n) => (
                  <option key={n}>{n}</option>
                ))}
              </select>
            </label>
          </div>
          <div className="grid-2">
            <TopList
              title="Series by metric name"
              column="Metric"
              rows={d.seriesCountByMetricName}
              cell={(r) => <Link to={explore(r.name)}>{r.name}</Link>}
            />
            <TopList
              title="Distinct values by label name"
              column="Label"
              rows={d.labelValueCountByLabelName}
            />
            <TopList
              title="Label value bytes by label name"
              column="Label"
              rows={d.memoryInBytesByLabelName}
              value={(n) => formatBytes(n)}
            />
            <TopList
              title="Series by label pair"
              column="Label pair"
              rows={d.seriesCountByLabelValuePair}
              cell={(r) => {
                const i = r.name.indexOf('=');
                const sel = `{${r.name.slice(0, i)}=${JSON.stringify(r.name.slice(i + 1))}}`;
                return <Link to={explore(`count by (__name__) (${sel})`)}>{r.name}</Link>;
              }}
            />
          </div>
        </>
      )}
    </>
  );
}

function TopList(props: {
  title: string;
  column: string;
  rows: Stat[];
  cell?: (r: Stat) => React.ReactNode;
  value?: (n: number) => string;
}) {
  const id = `top-${props.title.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <section className="card" aria-labelledby={id}>
      <h2 id={id} className="card-title">
        {props.title}
      </h2>
      <SimpleTable
        caption={props.title}
        rows={props.rows}
        rowKey={(r) => r.name}
        columns={[
          { header: props.column, cell: (r) => (props.cell ? props.cell(r) : <code>{r.name}</code>) },
          {
            header: 'Count',
            className: 'num',
            cell: (r) => (props.value ? props.value(r.value) : formatCount(r.value)),
          },
        ]}
        empty={<EmptyState title="Nothing stored yet." />}
      />
    </section>
  );
}
