/** Why a sample or series was refused; stable strings (used as stats keys and in API errors). */
export type IngestReason =
  | 'out_of_order'
  | 'duplicate'
  | 'out_of_bounds'
  | 'too_far_in_future'
  | 'invalid_sample'
  | 'invalid_labels'
  | 'limit_series'
  | 'limit_labels';

export const INGEST_REASONS: IngestReason[] = [
  'out_of_order',
  'duplicate',
  'out_of_bounds',
  'too_far_in_future',
  'invalid_sample',
  'invalid_labels',
  'limit_series',
  'limit_labels',
];

const MESSAGES: Record<IngestReason, string> = {
  out_of_order: 'out of order sample',
  duplicate: 'duplicate sample for timestamp',
  out_of_bounds: 'out of bounds',
  too_far_in_future: 'sample timestamp too far in the future',
  invalid_sample: 'invalid sample',
  invalid_labels: 'invalid label set',
  limit_series: 'series limit exceeded',
  limit_labels: 'label limit exceeded',
};

/** A refused sample or series; the store counts it and stays usable. */
export class IngestError extends Error {
  constructor(
    readonly reason: IngestReason,
    detail?: string,
  ) {
    super(detail ? `${MESSAGES[reason]}: ${detail}` : MESSAGES[reason]);
    this.name = 'IngestError';
  }
}
