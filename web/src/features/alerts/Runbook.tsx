/** The alert's runbook, shown first and large: responders open it before anything else. */
export function RunbookLink({ url }: { url: string | null }) {
  if (!url) {
    return (
      <div className="al-runbook al-runbook-missing" role="note">
        <strong>No runbook.</strong> This alert carries no <code>runbook_url</code>; add <code>runbook:</code>{' '}
        to its rule (or the sender's annotation) so responders know what to do.
      </div>
    );
  }
  const isUrl = /^https?:\/\//.test(url);
  return (
    <div className="al-runbook" role="note">
      <span className="al-runbook-label">Runbook</span>
      {isUrl ? (
        <a className="al-runbook-link" href={url} target="_blank" rel="noreferrer noopener">
          {url}
          <span className="sr-only"> (opens in a new tab)</span>
        </a>
      ) : (
        <code>{url}</code>
      )}
    </div>
  );
}
