/**
 * The metrics explorer (`/explore`): a PromQL editor with completion, an instant query shown as a
 * table or a range query shown as a chart. The executed query, mode, range, end, step and
 * evaluation time live in the URL (shareable, back/forward work); past queries are kept in
 * localStorage.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { navigate, useLocation } from '../../router.tsx';
import { EmptyState, Loading, PageHeader, useApi } from '../../ui/components.tsx';
import { MAX_CHART_SERIES, RangeChart } from './Chart.tsx';
import { type EditorHandle, PromQLEditor } from './PromQLEditor.tsx';
import {
  formatValue,
  type MatrixSeries,
  prom,
  type QueryData,
  QueryError,
  seriesName,
  type VectorSample,
} from './promapi.ts';
import type { TsdbStatusData } from './TsdbStatus.tsx';

export const RANGES: Array<[string, number]> = [
  ['5m', 300],
  ['15m', 900],
  ['30m', 1800],
  ['1h', 3600],
  ['3h', 10_800],
  ['6h', 21_600],
  ['12h', 43_200],
  ['1d', 86_400],
  ['2d', 172_800],
  ['7d', 604_800],
];
const HISTORY_KEY = 'vigil.metrics.history';
const HISTORY_MAX = 50;
const TABLE_MAX = 1000;

/** Prometheus' default resolution: about 250 points over the range, at least 1 s. */
export const autoStep = (rangeSeconds: number) => Math.max(Math.floor(rangeSeconds / 250), 1);

function loadHistory(): string[] {
  try {
    const v = JSON.parse(localStorage.getItem(HISTORY_KEY) ?? '[]');
    return Array.isArray(v) ? v.filter((x) => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

function saveHistory(list: string[]): void {
  try {
    localStorage.setItem(HISTORY_KEY, JSON.stringify(list));
  } catch {
    // storage full or disabled: history is a convenience
  }
}

/** `datetime-local` value ↔ Unix seconds (local time). */
function toLocalInput(sec: number): string {
  const d = new Date(sec * 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
function fromLocalInput(v: string): string {
  if (!v) return '';
  const t = new Date(v).getTime();
  return Number.isNaN(t) ? '' : String(Math.floor(t / 1000));
}

/** Parses a step given as seconds or a duration like `30s`, `5m`, `1h`. */
export function parseStep(v: string): number | null {
  const s = v.trim();
  if (!s) return null;
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) > 0 ? Number(s) : null;
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(s);
  if (!m) return null;
  const unit: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400 };
  const n = Number(m[1]) * unit[m[2]];
  return n > 0 ? n : null;
}

interface Outcome {
  data?: QueryData;
  warnings: string[];
  error?: QueryError | Error;
  ms: number;
  /** The window of a range query (seconds). */
  window?: { start: number; end: number; step: number };
}

export function Explore() {
  const { query } = useLocation();
  const q = query.get('q') ?? '';
  const tab = query.get('tab') === 'graph' ? 'graph' : 'table';
  const range = RANGES.some(([r]) => r === query.get('range')) ? (query.get('range') as string) : '1h';
  const end = query.get('end') ?? '';
  const stepParam = query.get('step') ?? '';
  const time = query.get('time') ?? '';
  const stacked = query.get('stacked') === '1';

  const [draft, setDraft] = useState(q);
  const [history, setHistory] = useState<string[]>(loadHistory);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [running, setRunning] = useState(false);
  const [tick, setTick] = useState(0);
  const [stepDraft, setStepDraft] = useState(stepParam);
  const [stepError, setStepError] = useState<string | null>(null);
  const editor = useRef<EditorHandle | null>(null);
  const status = useApi<{ data: Pick<TsdbStatusData, 'storage'> }>('/api/v1/status/tsdb?limit=1');
  const backend = status.data?.data.storage.backend;
  const setHandle = useCallback((h: EditorHandle) => {
    editor.current = h;
  }, []);

  // Back/forward or a history pick changes the URL: the editor follows.
  useEffect(() => setDraft(q), [q]);
  useEffect(() => setStepDraft(stepParam), [stepParam]);

  const urlFor = (patch: Record<string, string>) => {
    const p = new URLSearchParams({ q, tab, range, end, step: stepParam, time, stacked: stacked ? '1' : '' });
    for (const [k, v] of Object.entries(patch)) p.set(k, v);
    for (const k of [...p.keys()]) if (!p.get(k)) p.delete(k);
    if (p.get('tab') === 'table') p.delete('tab');
    if (p.get('range') === '1h') p.delete('range');
    const s = p.toString();
    return s ? `/explore?${s}` : '/explore';
  };

  const run = (expr = draft) => {
    const text = expr.trim();
    if (!text) return;
    const next = [text, ...history.filter((h) => h !== text)].slice(0, HISTORY_MAX);
    setHistory(next);
    saveHistory(next);
    const url = urlFor({ q: text });
    if (url === `${location.pathname}${location.search}`) setTick((n) => n + 1);
    else navigate(url);
  };

  const setParam = (patch: Record<string, string>) => navigate(urlFor(patch), true);

  // Execute whenever the URL's query or its settings change (or Run is pressed again).
  // biome-ignore lint/correctness/useExhaustiveDependencies: tick re-runs the same query
  useEffect(() => {
    if (!q) {
      setOutcome(null);
      return;
    }
    let live = true;
    setRunning(true);
    const t0 = performance.now();
    const done = (o: Omit<Outcome, 'ms'>) => {
      if (!live) return;
      setOutcome({ ...o, ms: Math.round(performance.now() - t0) });
      setRunning(false);
    };
    if (tab === 'table') {
      prom<QueryData>('/api/v1/query', { query: q, time: time || undefined })
        .then((r) => done({ data: r.data, warnings: [...(r.warnings ?? []), ...(r.infos ?? [])] }))
        .catch((error) => done({ error, warnings: [] }));
    } else {
      const span = RANGES.find(([r]) => r === range)![1];
      const e = end ? Number(end) : Math.floor(Date.now() / 1000);
      const start = e - span;
      const step = parseStep(stepParam) ?? autoStep(span);
      prom<QueryData>('/api/v1/query_range', { query: q, start, end: e, step })
        .then((r) =>
          done({
            data: r.data,
            warnings: [...(r.warnings ?? []), ...(r.infos ?? [])],
            window: { start, end: e, step },
          }),
        )
        .catch((error) => done({ error, warnings: [] }));
    }
    return () => {
      live = false;
    };
  }, [q, tab, range, end, stepParam, time, tick]);

  const error = outcome?.error;
  const position = error instanceof QueryError ? error.position : null;
  const span = RANGES.find(([r]) => r === range)![1];

  return (
    <>
      <PageHeader title="Explore metrics">
        Query metrics with PromQL: a table at one instant or a graph over a range.{' '}
        {backend?.kind === 'prometheus' ? (
          <>
            Queries are delegated to <code>{backend.url}</code>; suggestions come from Vigil's own store.
          </>
        ) : backend ? (
          <>Answered by Vigil's embedded store.</>
        ) : null}
      </PageHeader>
      <form
        className="card explore-form"
        aria-label="Query"
        onSubmit={(e) => {
          e.preventDefault();
          run();
        }}
      >
        <div className="field">
          <label htmlFor="promql">PromQL expression</label>
          <PromQLEditor
            id="promql"
            value={draft}
            onChange={setDraft}
            onRun={() => run()}
            invalid={Boolean(position)}
            describedBy={position ? 'promql-help promql-error' : 'promql-help'}
            handle={setHandle}
          />
          <p className="help" id="promql-help">
            Ctrl+Enter (⌘+Enter) runs the query. Suggestions appear as you type; Ctrl+Space opens them.
          </p>
        </div>
        <div className="explore-controls">
          <fieldset className="segmented">
            <legend className="sr-only">Result as</legend>
            {(['table', 'graph'] as const).map((m) => (
              <label key={m} className={tab === m ? 'segment checked' : 'segment'}>
                <input
                  type="radio"
                  name="tab"
                  value={m}
                  checked={tab === m}
                  onChange={() => setParam({ tab: m, q: draft.trim() || q })}
                />
                {m === 'table' ? 'Table' : 'Graph'}
              </label>
            ))}
          </fieldset>
          {tab === 'table' ? (
            <label className="filter">
              Evaluation time
              <input
                type="datetime-local"
                value={time ? toLocalInput(Number(time)) : ''}
                onChange={(e) => setParam({ time: fromLocalInput(e.target.value) })}
              />
            </label>
          ) : (
            <>
              <label className="filter">
                Range
                <select value={range} onChange={(e) => setParam({ range: e.target.value })}>
                  {RANGES.map(([r]) => (
                    <option key={r} value={r}>
                      {r}
                    </option>
                  ))}
                </select>
              </label>
              <label className="filter">
                End
                <input
                  type="datetime-local"
                  value={end ? toLocalInput(Number(end)) : ''}
                  onChange={(e) => setParam({ end: fromLocalInput(e.target.value) })}
                />
              </label>
              <label className="check-filter">
                <input
                  type="checkbox"
                  checked={stacked}
                  onChange={(e) => setParam({ stacked: e.target.checked ? '1' : '' })}
                />
                Stacked
              </label>
              <div className="filter">
                <label htmlFor="explore-step">Step</label>
                <input
                  id="explore-step"
                  className="step-input"
                  value={stepDraft}
                  placeholder={`auto (${autoStep(span)}s)`}
                  aria-invalid={stepError ? true : undefined}
                  aria-describedby={stepError ? 'explore-step-error' : undefined}
                  onChange={(e) => setStepDraft(e.target.value)}
                  onBlur={() => {
                    if (stepDraft.trim() && parseStep(stepDraft) === null) {
                      setStepError('Use seconds or a duration such as 30s, 5m, 1h.');
                      return;
                    }
                    setStepError(null);
                    if (stepDraft.trim() !== stepParam) setParam({ step: stepDraft.trim() });
                  }}
                />
                {stepError ? (
                  <p className="field-error" id="explore-step-error">
                    {stepError}
                  </p>
                ) : null}
              </div>
            </>
          )}
          <div className="explore-run">
            <button type="submit" className="btn btn-primary" disabled={!draft.trim() || running}>
              {running ? 'Running…' : 'Run query'}
            </button>
          </div>
        </div>
      </form>

      {error ? (
        <QueryErrorBanner
          error={error}
          query={q}
          onLocate={position ? () => editor.current?.focusAt(position.line, position.column) : undefined}
        />
      ) : null}
      {outcome?.warnings.length ? (
        <div className="banner banner-info" role="status">
          {outcome.warnings.map((w) => (
            <div key={w}>{w}</div>
          ))}
        </div>
      ) : null}

      <section className="card explore-result" aria-labelledby="explore-result-title" aria-busy={running}>
        <h2 id="explore-result-title" className="card-title">
          Result
        </h2>
        {!q ? (
          <EmptyState title="No query yet.">
            Type a PromQL expression above — for example <code>up</code> or{' '}
            <code>avg_over_time(probe_duration_seconds[5m])</code> — and press Run query.
          </EmptyState>
        ) : running && !outcome ? (
          <Loading what="Running the query" />
        ) : outcome?.data ? (
          <Result
            data={outcome.data}
            tab={tab}
            window={outcome.window}
            ms={outcome.ms}
            expr={q}
            stacked={stacked}
          />
        ) : error ? (
          <p className="muted">No result: the query failed.</p>
        ) : null}
      </section>

      <History
        items={history}
        onPick={(h) => {
          setDraft(h);
          run(h);
        }}
        onClear={() => {
          setHistory([]);
          saveHistory([]);
        }}
      />
    </>
  );
}

function QueryErrorBanner(props: { error: Error; query: string; onLocate?: () => void }) {
  const e = props.error;
  const pos = e instanceof QueryError ? e.position : null;
  const kind = e instanceof QueryError ? e.errorType : 'error';
  const line = pos ? (props.query.split('\n')[pos.line - 1] ?? '') : '';
  return (
    <div className="banner banner-error query-error" role="alert" id="promql-error">
      <p className="query-error-title">
        {kind === 'bad_data'
          ? 'The query is not valid'
          : kind === 'execution'
            ? 'The query failed'
            : 'Query error'}
        {pos ? ` (line ${pos.line}, column ${pos.column})` : ''}
      </p>
      <p className="query-error-message">{e.message}</p>
      {pos ? (
        <>
          <pre className="query-error-snippet" aria-hidden="true">
            {line}
            {'\n'}
            {`${' '.repeat(Math.max(0, pos.column - 1))}^`}
          </pre>
          {props.onLocate ? (
            <button type="button" className="btn btn-small" onClick={props.onLocate}>
              Go to the error in the editor
            </button>
          ) : null}
        </>
      ) : null}
    </div>
  );
}

function Result(props: {
  data: QueryData;
  tab: 'table' | 'graph';
  window?: { start: number; end: number; step: number };
  ms: number;
  expr: string;
  stacked: boolean;
}) {
  const { data } = props;
  const count = data.resultType === 'vector' || data.resultType === 'matrix' ? data.result.length : 1;
  const stats = (
    <p className="muted result-stats">
      {data.resultType} · {count} {count === 1 ? 'result' : 'results'} · {props.ms} ms
      {props.window ? ` · step ${props.window.step}s` : ''}
    </p>
  );
  if (props.tab === 'graph' && data.resultType === 'matrix' && props.window) {
    if (data.result.length === 0)
      return (
        <>
          {stats}
          <EmptyState title="No data in this range." />
        </>
      );
    return (
      <>
        {stats}
        {data.result.length > MAX_CHART_SERIES ? (
          <p className="banner banner-info">
            Showing the first {MAX_CHART_SERIES} of {data.result.length} series; narrow the query (e.g. with
            an aggregation or topk) to see all.
          </p>
        ) : null}
        <RangeChart result={data.result} {...props.window} label={props.expr} stacked={props.stacked} />
      </>
    );
  }
  if (data.resultType === 'scalar' || data.resultType === 'string') {
    return (
      <>
        {stats}
        <p className="scalar-result">
          <span className="muted">{data.resultType}</span> <strong>{formatValue(data.result[1])}</strong>
        </p>
      </>
    );
  }
  if (data.result.length === 0) {
    return (
      <>
        {stats}
        <EmptyState title="Empty result.">
          No series match at this time. Check the metric name and labels, or look further back (series stop
          being returned 5 minutes after their last sample).
        </EmptyState>
      </>
    );
  }
  const rows = (data.result as Array<VectorSample | MatrixSeries>).slice(0, TABLE_MAX);
  return (
    <>
      {stats}
      {data.result.length > TABLE_MAX ? (
        <p className="banner banner-info">
          Showing the first {TABLE_MAX} of {data.result.length} series.
        </p>
      ) : null}
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard */}
      <section className="table-wrap" tabIndex={0} aria-label="Query result">
        <table className="result-table">
          <caption className="sr-only">Query result</caption>
          <thead>
            <tr>
              <th scope="col">Series</th>
              <th scope="col" className="num">
                {data.resultType === 'matrix' ? 'Samples' : 'Value'}
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={seriesName(r.metric)}>
                <td className="series-cell">
                  <SeriesLabels metric={r.metric} />
                </td>
                <td className="num">
                  {'value' in r ? (
                    formatValue(r.value[1])
                  ) : (
                    <ul className="sample-list">
                      {r.values.map(([t, v]) => (
                        <li key={t}>
                          {formatValue(v)} <span className="muted">@{t}</span>
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </>
  );
}

/** `name{label="value", …}` with the pieces styled. */
function SeriesLabels({ metric }: { metric: Record<string, string> }) {
  const keys = useMemo(
    () =>
      Object.keys(metric)
        .filter((k) => k !== '__name__')
        .sort(),
    [metric],
  );
  return (
    <code className="series">
      {metric.__name__ ? <span className="series-name">{metric.__name__}</span> : null}
      {keys.length || !metric.__name__ ? '{' : null}
      {keys.map((k, i) => (
        <span key={k}>
          <span className="series-label">{k}</span>=
          <span className="series-value">{JSON.stringify(metric[k])}</span>
          {i < keys.length - 1 ? ', ' : ''}
        </span>
      ))}
      {keys.length || !metric.__name__ ? '}' : null}
    </code>
  );
}

function History(props: { items: string[]; onPick(q: string): void; onClear(): void }) {
  return (
    <section className="card" aria-labelledby="explore-history-title">
      <div className="card-head">
        <h2 id="explore-history-title" className="card-title">
          Recent queries
        </h2>
        {props.items.length ? (
          <button type="button" className="btn btn-small" onClick={props.onClear}>
            Clear history
          </button>
        ) : null}
      </div>
      {props.items.length === 0 ? (
        <p className="muted">Queries you run are remembered here, in this browser only.</p>
      ) : (
        <ul className="history-list">
          {props.items.map((h) => (
            <li key={h}>
              <button
                type="button"
                className="history-item"
                onClick={() => props.onPick(h)}
                title="Run again"
              >
                <code>{h}</code>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
