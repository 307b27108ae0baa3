/** A read-only value (URL) with a copy button. */
import { useId } from 'react';
import { useToast } from '../../ui/toast.tsx';

export function CopyField({ label, value }: { label: string; value: string }) {
  const id = useId();
  const toast = useToast();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      toast.show(`Copied: ${label}.`);
    } catch {
      // Clipboard access needs a secure context; selecting the text lets people copy by hand.
      (document.getElementById(id) as HTMLInputElement | null)?.select();
      toast.show('Select the text and copy it by hand (the clipboard is not available here).', 'info');
    }
  };
  return (
    <div className="field oc-copy">
      <label htmlFor={id}>{label}</label>
      <div className="oc-copy-row">
        <input id={id} readOnly value={value} onFocus={(e) => e.target.select()} />
        <button type="button" className="btn" onClick={() => void copy()} aria-label={`Copy ${label}`}>
          Copy
        </button>
      </div>
    </div>
  );
}
