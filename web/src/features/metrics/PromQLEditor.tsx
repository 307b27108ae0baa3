/**
 * A PromQL textarea with completion: metric names (from /api/v1/label/__name__/values), functions
 * and keywords, label names of the metric being written (/api/v1/labels?match[]=…) and their values
 * (/api/v1/label/<name>/values?match[]=…). Arrow keys move in the list, Enter or Tab accepts,
 * Escape closes, Ctrl+Space opens it; Ctrl/Cmd+Enter runs the query.
 */
import { type KeyboardEvent, useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import {
  type CompletionContext,
  contextAt,
  durationSuggestions,
  labelSuggestions,
  type Metadata,
  nameSuggestions,
  type Suggestion,
  valueSuggestions,
} from './completion.ts';
import { prom } from './promapi.ts';

const cache = new Map<string, Promise<string[]>>();
/** Loads a list once per page view (names change rarely; a failure is retried next time). */
function cached(path: string, params: Record<string, string | undefined>): Promise<string[]> {
  const key = `${path}?${JSON.stringify(params)}`;
  let p = cache.get(key);
  if (!p) {
    p = prom<string[]>(path, params)
      .then((r) => r.data)
      .catch((err) => {
        cache.delete(key);
        throw err;
      });
    cache.set(key, p);
    // Forget after a minute so new series show up.
    window.setTimeout(() => cache.delete(key), 60_000);
  }
  return p;
}

let metadataPromise: Promise<Metadata> | null = null;
/** HELP/TYPE of scraped and pushed metrics, loaded once a minute at most. */
function metadataOnce(): Promise<Metadata> {
  if (!metadataPromise) {
    metadataPromise = prom<Metadata>('/api/v1/metadata', {})
      .then((r) => r.data)
      .catch((err) => {
        metadataPromise = null;
        throw err;
      });
    window.setTimeout(() => {
      metadataPromise = null;
    }, 60_000);
  }
  return metadataPromise;
}

const matchParam = (metric: string | null) => (metric ? `{__name__="${metric}"}` : undefined);

async function suggestionsFor(ctx: CompletionContext, text: string, cursor: number): Promise<Suggestion[]> {
  switch (ctx.type) {
    case 'name': {
      const [names, metadata] = await Promise.all([
        cached('/api/v1/label/__name__/values', {}).catch(() => []),
        metadataOnce().catch(() => ({})),
      ]);
      return nameSuggestions(ctx.prefix, names, metadata);
    }
    case 'label': {
      const names = await cached('/api/v1/labels', { 'match[]': matchParam(ctx.metric) }).catch(() => []);
      return labelSuggestions(ctx.prefix, names, ctx.used, ctx.grouping);
    }
    case 'value': {
      const values = await cached(`/api/v1/label/${encodeURIComponent(ctx.label)}/values`, {
        'match[]': matchParam(ctx.metric),
      }).catch(() => []);
      return valueSuggestions(ctx.prefix, values, text[cursor] === '"');
    }
    case 'duration':
      return durationSuggestions(ctx.prefix);
    default:
      return [];
  }
}

const KIND_LABEL: Record<Suggestion['kind'], string> = {
  metric: 'metric',
  function: 'function',
  aggregation: 'aggregation',
  keyword: 'keyword',
  label: 'label',
  value: 'value',
  duration: 'range',
};

export interface EditorHandle {
  focusAt(line: number, column: number): void;
}

export function PromQLEditor(props: {
  id: string;
  value: string;
  onChange(v: string): void;
  onRun(): void;
  invalid: boolean;
  describedBy?: string;
  handle?: (h: EditorHandle) => void;
}) {
  const ref = useRef<HTMLTextAreaElement>(null);
  const [items, setItems] = useState<Suggestion[]>([]);
  const [active, setActive] = useState(0);
  const [open, setOpen] = useState(false);
  const [from, setFrom] = useState(0);
  const seq = useRef(0);
  const pendingCaret = useRef<{ pos: number; chain: boolean } | null>(null);
  const listId = `${props.id}-suggestions`;

  const { handle } = props;
  useEffect(() => {
    handle?.({
      focusAt(line, column) {
        const el = ref.current;
        if (!el) return;
        const lines = el.value.split('\n');
        let offset = 0;
        for (let i = 0; i < line - 1 && i < lines.length; i++) offset += lines[i].length + 1;
        offset = Math.min(el.value.length, offset + column - 1);
        el.focus();
        el.setSelectionRange(offset, offset);
      },
    });
  }, [handle]);

  const close = useCallback(() => {
    seq.current++;
    setOpen(false);
    setItems([]);
  }, []);

  const update = useCallback((text: string, cursor: number, force = false) => {
    const ctx = contextAt(text, cursor);
    const n = ++seq.current;
    if (ctx.type === 'none' || (ctx.type === 'name' && !force && ctx.prefix.length < 1)) {
      setOpen(false);
      return;
    }
    void suggestionsFor(ctx, text, cursor).then((list) => {
      if (n !== seq.current) return; // typed on meanwhile
      setItems(list);
      setActive(0);
      setFrom(ctx.from);
      setOpen(list.length > 0);
    });
  }, []);

  const accept = (s: Suggestion) => {
    const el = ref.current;
    if (!el) return;
    const cursor = el.selectionStart;
    const text = el.value;
    // A label value replaces the whole value up to the closing quote.
    const next = text.slice(0, from) + s.insert + text.slice(cursor);
    const pos = from + s.insert.length - (s.back ?? 0);
    close();
    // Chain: after `label="` offer the values; after `rate(` offer names.
    pendingCaret.current = {
      pos,
      chain: s.kind === 'label' || s.kind === 'function' || s.kind === 'aggregation',
    };
    props.onChange(next);
  };

  // Place the caret once React has rendered the accepted text, before the next keystroke.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the value changes
  useLayoutEffect(() => {
    const p = pendingCaret.current;
    const el = ref.current;
    if (!p || !el) return;
    pendingCaret.current = null;
    el.focus();
    el.setSelectionRange(p.pos, p.pos);
    if (p.chain) update(el.value, p.pos, true);
  }, [props.value]);

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      close();
      props.onRun();
      return;
    }
    if (e.key === ' ' && e.ctrlKey) {
      e.preventDefault();
      update(e.currentTarget.value, e.currentTarget.selectionStart, true);
      return;
    }
    if (!open) return;
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setActive((a) => (a + 1) % items.length);
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => (a - 1 + items.length) % items.length);
    } else if ((e.key === 'Enter' || e.key === 'Tab') && items[active]) {
      e.preventDefault();
      accept(items[active]);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      close();
    }
  };

  const activeId = open && items[active] ? `${listId}-${active}` : undefined;
  // Keep the highlighted suggestion visible while arrowing through a long list.
  useEffect(() => {
    if (activeId) document.getElementById(activeId)?.scrollIntoView({ block: 'nearest' });
  }, [activeId]);
  return (
    <div className="promql-editor">
      <textarea
        ref={ref}
        id={props.id}
        name="query"
        className="promql-input"
        rows={Math.min(8, Math.max(2, props.value.split('\n').length + 1))}
        value={props.value}
        spellCheck={false}
        autoCapitalize="off"
        autoComplete="off"
        autoCorrect="off"
        placeholder='e.g. sum by (job) (rate(http_requests_total{code=~"5.."}[5m]))'
        aria-invalid={props.invalid || undefined}
        aria-describedby={props.describedBy}
        aria-autocomplete="list"
        aria-controls={open ? listId : undefined}
        aria-activedescendant={activeId}
        onChange={(e) => {
          props.onChange(e.target.value);
          update(e.target.value, e.target.selectionStart);
        }}
        onKeyDown={onKeyDown}
        onBlur={() => window.setTimeout(close, 150)}
      />
      {open ? (
        <div className="promql-suggestions" role="listbox" id={listId} aria-label="Suggestions">
          {items.map((s, i) => (
            <div
              key={`${s.kind}:${s.label}`}
              tabIndex={-1}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === active}
              className={i === active ? 'active' : undefined}
              onMouseDown={(e) => {
                e.preventDefault();
                accept(s);
              }}
            >
              <span className="promql-suggestion-text">
                <span className="promql-suggestion-label">{s.label}</span>
                {s.help ? <span className="promql-suggestion-help">{s.help}</span> : null}
              </span>
              <span className="promql-suggestion-kind">
                {s.type && s.type !== 'unknown' ? s.type : KIND_LABEL[s.kind]}
              </span>
            </div>
          ))}
        </div>
      ) : null}
      <span className="sr-only" aria-live="polite">
        {open ? `${items.length} suggestions; arrow keys to choose, Enter to insert` : ''}
      </span>
    </div>
  );
}
