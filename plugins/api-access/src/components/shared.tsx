/* Small pieces the api-access cards share: chips, error text, date formatting. */
import Chip from '@material-ui/core/Chip';
import { ResponseError } from '@backstage/errors';

const CLASSIFICATION_COLORS: Record<string, string> = {
  public: '#2e7d32',
  internal: '#1565c0',
  confidential: '#ef6c00',
  restricted: '#c62828',
};

export function ClassificationChip({ level }: { level: string }) {
  const color = CLASSIFICATION_COLORS[level] ?? '#6a1b9a';
  return (
    <Chip
      size="small"
      label={level}
      variant="outlined"
      style={{ color, borderColor: color, fontWeight: 600 }}
      aria-label={`classification ${level}`}
    />
  );
}

const STATUS_LABELS: Record<string, string> = {
  in_review: 'In review',
  changes_requested: 'Changes requested',
  approved: 'Approved',
  rejected: 'Rejected',
  withdrawn: 'Withdrawn',
  pending: 'Pending',
  waiting: 'Waiting',
  active: 'Active',
  expired: 'Expired',
  revoked: 'Revoked',
  revocation_failed: 'Revocation failed',
};

export function StatusChip({ status }: { status: string }) {
  let color: 'primary' | 'secondary' | 'default' = 'default';
  if (status === 'approved' || status === 'active') color = 'primary';
  if (
    status === 'rejected' ||
    status === 'revoked' ||
    status === 'revocation_failed'
  ) {
    color = 'secondary';
  }
  return (
    <Chip size="small" label={STATUS_LABELS[status] ?? status} color={color} />
  );
}

/** The backend's own message for a failed call, which names the bad field. */
export function errorMessage(error: unknown): string {
  if (error instanceof ResponseError) {
    return error.body?.error?.message ?? error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

export function formatDate(iso: string): string {
  return new Date(iso).toLocaleDateString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
  });
}

export function formatDateTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
}
