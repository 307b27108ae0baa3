/** Markdown for notes and postmortems: GitHub-flavoured, no raw HTML, and an editor with a preview tab. */
import { type KeyboardEvent, useId, useState } from 'react';
import ReactMarkdown from 'react-markdown';
import remarkGfm from 'remark-gfm';

/** Renders Markdown (raw HTML is shown as text; links open in a new tab). */
export function Markdown({ text }: { text: string }) {
  return (
    <div className="inc-md">
      <ReactMarkdown
        remarkPlugins={[remarkGfm]}
        skipHtml
        components={{
          a: ({ node: _n, ...props }) => <a {...props} target="_blank" rel="noreferrer noopener" />,
          // Headings inside a note or section stay below the page's own heading levels.
          h1: ({ node: _n, ...props }) => <h3 {...props} />,
          h2: ({ node: _n, ...props }) => <h4 {...props} />,
          h3: ({ node: _n, ...props }) => <h5 {...props} />,
        }}
      >
        {text}
      </ReactMarkdown>
    </div>
  );
}

/**
 * A textarea with Write / Preview tabs. Ctrl/Cmd+Enter calls `onSubmit` (when given).
 */
export function MarkdownEditor(props: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  onSubmit?: () => void;
  rows?: number;
  disabled?: boolean;
  error?: string;
  help?: string;
  placeholder?: string;
}) {
  const [tab, setTab] = useState<'write' | 'preview'>('write');
  const id = useId();
  const key = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && props.onSubmit) {
      e.preventDefault();
      props.onSubmit();
    }
  };
  const tabKey = (e: KeyboardEvent<HTMLButtonElement>) => {
    if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
      e.preventDefault();
      const next = tab === 'write' ? 'preview' : 'write';
      setTab(next);
      document.getElementById(`${id}-tab-${next}`)?.focus();
    }
  };
  const describedBy = [props.help ? `${id}-help` : '', props.error ? `${id}-err` : '']
    .filter(Boolean)
    .join(' ');
  return (
    <div className={`field inc-editor${props.error ? ' field-invalid' : ''}`}>
      <div className="inc-editor-head">
        <label htmlFor={`${id}-text`} id={`${id}-label`}>
          {props.label}
        </label>
        <div role="tablist" aria-label={`${props.label}: write or preview`} className="inc-tabs">
          {(['write', 'preview'] as const).map((t) => (
            <button
              key={t}
              type="button"
              role="tab"
              id={`${id}-tab-${t}`}
              aria-selected={tab === t}
              aria-controls={`${id}-panel-${t}`}
              tabIndex={tab === t ? 0 : -1}
              className={`inc-tab${tab === t ? ' inc-tab-active' : ''}`}
              onClick={() => setTab(t)}
              onKeyDown={tabKey}
            >
              {t === 'write' ? 'Write' : 'Preview'}
            </button>
          ))}
        </div>
      </div>
      <div
        id={`${id}-panel-write`}
        role="tabpanel"
        aria-labelledby={`${id}-tab-write`}
        hidden={tab !== 'write'}
      >
        <textarea
          id={`${id}-text`}
          value={props.value}
          rows={props.rows ?? 5}
          disabled={props.disabled}
          placeholder={props.placeholder}
          aria-invalid={props.error ? true : undefined}
          aria-describedby={describedBy || undefined}
          onChange={(e) => props.onChange(e.target.value)}
          onKeyDown={key}
        />
      </div>
      <div
        id={`${id}-panel-preview`}
        role="tabpanel"
        aria-labelledby={`${id}-tab-preview`}
        hidden={tab !== 'preview'}
        className="inc-preview"
      >
        {props.value.trim() ? (
          <Markdown text={props.value} />
        ) : (
          <p className="muted">Nothing to preview yet.</p>
        )}
      </div>
      {props.help ? (
        <p id={`${id}-help`} className="help">
          {props.help}
        </p>
      ) : null}
      {props.error ? (
        <p id={`${id}-err`} className="field-error">
          {props.error}
        </p>
      ) : null}
    </div>
  );
}
