/** `/flags/flagd`: export an environment as a flagd flag-definition file, or import one (checked first). */
import { useId, useState } from 'react';
import { api, encodeKey, roleAtLeast, withQuery } from '../../api.ts';
import { Link } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import { ErrorBanner, PageHeader } from '../../ui/components.tsx';
import { useToast } from '../../ui/toast.tsx';
import { useEnvironments } from './common.tsx';

interface Problem {
  flag?: string | null;
  path: string;
  message: string;
}
interface ExportResult {
  env: string;
  document: unknown;
  problems: Problem[];
}
interface ImportResult {
  env: string;
  dry_run: boolean;
  created: string[];
  updated: string[];
  segments: string[];
  skipped: Array<{ key: string; reason: string }>;
  problems: Problem[];
}

function Problems({ items, what }: { items: Problem[]; what: string }) {
  if (!items.length) return null;
  return (
    <div className="banner banner-info">
      <p>
        {items.length} {items.length === 1 ? 'item was' : 'items were'} left out ({what}):
      </p>
      <ul>
        {items.map((p, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: problems have no identity
          <li key={i}>
            {p.flag ? <strong>{p.flag}</strong> : <code>{p.path}</code>}: {p.message}
          </li>
        ))}
      </ul>
    </div>
  );
}

export function FlagdPage() {
  const { user } = useSession();
  const toast = useToast();
  const id = useId();
  const { envs, error: envError } = useEnvironments();
  const [exportEnv, setExportEnv] = useState('');
  const [exported, setExported] = useState<ExportResult | null>(null);
  const [exportError, setExportError] = useState<unknown>(null);
  const [importEnv, setImportEnv] = useState('');
  const [text, setText] = useState('');
  const [result, setResult] = useState<ImportResult | null>(null);
  const [importError, setImportError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const canImport = roleAtLeast(user?.role, 'operator');
  const envOf = (v: string) => v || envs[envs.length - 1]?.key || '';
  const doExport = async () => {
    setExportError(null);
    try {
      setExported(
        await api<ExportResult>('GET', withQuery('/api/v1/flagd/export', { env: envOf(exportEnv) })),
      );
    } catch (e) {
      setExportError(e);
    }
  };
  const json = exported ? JSON.stringify(exported.document, null, 2) : '';
  const download = () => {
    const url = URL.createObjectURL(new Blob([json], { type: 'application/json' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `flags-${exported?.env}.flagd.json`;
    a.click();
    URL.revokeObjectURL(url);
  };
  const doImport = async (dryRun: boolean) => {
    setImportError(null);
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch (e) {
      setImportError(`Not JSON: ${(e as Error).message}`);
      return;
    }
    if (!document || typeof document !== 'object' || Array.isArray(document)) {
      setImportError('A flagd document is a JSON object with "flags".');
      return;
    }
    setBusy(true);
    try {
      const r = await api<ImportResult>('POST', '/api/v1/flagd/import', {
        body: { document, env: envOf(importEnv), dry_run: dryRun },
      });
      setResult(r);
      if (!dryRun) toast.show(`Imported ${r.created.length + r.updated.length} flag(s) into ${r.env}.`);
    } catch (e) {
      setImportError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <PageHeader title="Import and export (flagd)">
        Flag definitions of one environment as a flagd flag-definition file (JsonLogic targeting, fractional
        splits). Overrides and staged-rollout state are not part of it.
      </PageHeader>
      <ErrorBanner error={envError} />
      <section className="card" aria-labelledby={`${id}-ex`}>
        <h2 id={`${id}-ex`}>Export</h2>
        <div className="flags-row">
          <label className="flags-inline">
            <span>Environment</span>
            <select value={envOf(exportEnv)} onChange={(e) => setExportEnv(e.target.value)}>
              {envs.map((e) => (
                <option key={e.key} value={e.key}>
                  {e.name}
                </option>
              ))}
            </select>
          </label>
          <button type="button" className="btn btn-primary" onClick={() => void doExport()}>
            Export
          </button>
          {exported ? (
            <>
              <button type="button" className="btn" onClick={download}>
                Download JSON
              </button>
              <button
                type="button"
                className="btn"
                onClick={() => void navigator.clipboard?.writeText(json).then(() => toast.show('Copied.'))}
              >
                Copy
              </button>
            </>
          ) : null}
        </div>
        <ErrorBanner error={exportError} />
        {exported ? (
          <>
            <Problems items={exported.problems} what="flagd cannot express them" />
            <pre className="flags-json">{json}</pre>
          </>
        ) : null}
      </section>
      <section className="card" aria-labelledby={`${id}-im`}>
        <h2 id={`${id}-im`}>Import</h2>
        {!canImport ? (
          <p className="muted">Importing needs the operator role.</p>
        ) : (
          <form
            className="form flags-wide"
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              void doImport(false);
            }}
          >
            <p className="help">
              New flags are created (type from the file’s metadata, else release); flags created in the
              console get their variants and this environment replaced; flags declared in vigil.yaml are never
              changed.
            </p>
            <label className="flags-inline">
              <span>Into environment</span>
              <select value={envOf(importEnv)} onChange={(e) => setImportEnv(e.target.value)}>
                {envs.map((e) => (
                  <option key={e.key} value={e.key}>
                    {e.name}
                  </option>
                ))}
              </select>
            </label>
            <div className="field">
              <label htmlFor={`${id}-file`}>flagd file</label>
              <input
                id={`${id}-file`}
                type="file"
                accept="application/json,.json"
                onChange={async (e) => {
                  const f = e.target.files?.[0];
                  if (f) setText(await f.text());
                }}
              />
            </div>
            <div className={`field${importError ? ' field-invalid' : ''}`}>
              <label htmlFor={`${id}-doc`}>…or paste the document</label>
              <textarea
                id={`${id}-doc`}
                rows={10}
                className="flags-code"
                value={text}
                aria-invalid={importError ? true : undefined}
                aria-describedby={importError ? `${id}-doc-e` : undefined}
                onChange={(e) => setText(e.target.value)}
                placeholder='{"flags": {"my_flag": {"state": "ENABLED", "variants": {"on": true, "off": false}, "defaultVariant": "off"}}}'
              />
              {importError ? (
                <p id={`${id}-doc-e`} className="field-error" role="alert">
                  {importError}
                </p>
              ) : null}
            </div>
            <div className="form-actions flags-row">
              <button
                type="button"
                className="btn"
                disabled={busy || !text.trim()}
                onClick={() => void doImport(true)}
              >
                Check (dry run)
              </button>
              <button type="submit" className="btn btn-primary" disabled={busy || !text.trim()}>
                Import
              </button>
            </div>
          </form>
        )}
        {result ? (
          <div className="flags-import-result" aria-live="polite">
            <h3>{result.dry_run ? 'Dry run: nothing was written' : `Imported into ${result.env}`}</h3>
            <ul>
              <li>
                {result.dry_run ? 'Would create' : 'Created'}:{' '}
                {result.created.length
                  ? result.created.map((k) => <FlagLink key={k} k={k} dry={result.dry_run} />)
                  : 'none'}
              </li>
              <li>
                {result.dry_run ? 'Would update' : 'Updated'}:{' '}
                {result.updated.length
                  ? result.updated.map((k) => <FlagLink key={k} k={k} dry={result.dry_run} />)
                  : 'none'}
              </li>
              <li>Segments: {result.segments.length ? result.segments.join(', ') : 'none'}</li>
              {result.skipped.map((s) => (
                <li key={s.key}>
                  Skipped {s.key}: {s.reason}
                </li>
              ))}
            </ul>
            <Problems items={result.problems} what="not importable without changing their behaviour" />
          </div>
        ) : null}
      </section>
    </>
  );
}

function FlagLink({ k, dry }: { k: string; dry: boolean }) {
  return (
    <span className="flags-linklist">
      {dry ? <code>{k}</code> : <Link to={`/flags/${encodeKey(k)}`}>{k}</Link>}
    </span>
  );
}
