/* The chips the api-access cards share: an API's classification, a request's or grant's status. */
import Chip from '@material-ui/core/Chip';
import Tooltip from '@material-ui/core/Tooltip';
import { useTheme } from '@material-ui/core/styles';
import { classificationColor } from './palette';

export function ClassificationChip({ level }: { level: string }) {
  const theme = useTheme();
  const color = classificationColor(level, theme.palette);
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
  suspended: 'Suspended',
  expired: 'Expired',
  revoked: 'Revoked',
  revocation_failed: 'Revocation failed',
};

export function StatusChip({
  status,
  title,
}: {
  status: string;
  /** Why, e.g. a suspension's reason: a tooltip, and part of the accessible name. */
  title?: string;
}) {
  let color: 'primary' | 'secondary' | 'default' = 'default';
  if (status === 'approved' || status === 'active') color = 'primary';
  if (
    status === 'rejected' ||
    status === 'revoked' ||
    status === 'suspended' ||
    status === 'revocation_failed'
  ) {
    color = 'secondary';
  }
  const label = STATUS_LABELS[status] ?? status;
  const chip = (
    <Chip
      size="small"
      label={label}
      color={color}
      {...(title ? { 'aria-label': `${label}: ${title}` } : {})}
    />
  );
  return title ? <Tooltip title={title}>{chip}</Tooltip> : chip;
}
