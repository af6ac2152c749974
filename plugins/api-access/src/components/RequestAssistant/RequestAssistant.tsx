/*
 * The request assistant's side of the forms and the request page: live
 * checks of a draft while the requester types, findings shown under the
 * field they are about (with one-click fixes), and the risk score with its
 * reasons. The assistant only advises: a failed check never blocks a form.
 */
import { useMemo } from 'react';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Chip from '@material-ui/core/Chip';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import ErrorOutline from '@material-ui/icons/ErrorOutline';
import InfoOutlined from '@material-ui/icons/InfoOutlined';
import ReportProblemOutlined from '@material-ui/icons/ReportProblemOutlined';
import { ResponseError } from '@backstage/errors';
import {
  Finding,
  FindingField,
  FindingSeverity,
  FindingSuggestion,
  RequestAssessment,
  RiskScore,
} from '@api-access/backstage-plugin-api-access-common';
import { toneColor } from '../Chips/palette';
import { formatDateTime } from '../../format';

/** The blockers a 400 from submit or resubmit carries, if it came from the assistant. */
export function findingsOfError(error: unknown): Finding[] | undefined {
  if (!(error instanceof ResponseError)) return undefined;
  const findings = (error.body as unknown as { findings?: unknown }).findings;
  return Array.isArray(findings) && findings.length > 0
    ? (findings as Finding[])
    : undefined;
}

/**
 * Live findings, plus those a refused submission returned for this very
 * draft. `completeness.missing-field` is left out: the form lists what is
 * still needed itself.
 */
export function visibleFindings(
  live: Finding[] | undefined,
  refused: Finding[] | undefined,
): Finding[] {
  const seen = new Set<string>();
  const all: Finding[] = [];
  for (const finding of [...(refused ?? []), ...(live ?? [])]) {
    const id = `${finding.id}|${finding.field}`;
    if (finding.id === 'completeness.missing-field' || seen.has(id)) continue;
    seen.add(id);
    all.push(finding);
  }
  return all;
}

const FIELD_LABELS: Record<FindingField, string> = {
  apiRef: 'the API',
  consumerRef: 'the consumer',
  environment: 'the environment',
  scopes: 'the scopes',
  durationDays: 'the duration',
  useCase: 'the use case',
  justification: 'the justification',
  credentialStorage: 'the credential storage',
  comment: 'the comment',
  request: 'the request',
};

const SEVERITY_LABELS: Record<FindingSeverity, string> = {
  blocker: 'Blocker',
  warning: 'Warning',
  info: 'Hint',
};

const useStyles = makeStyles(theme => ({
  list: { listStyle: 'none', padding: 0, margin: theme.spacing(0.5, 0, 1) },
  item: {
    display: 'flex',
    alignItems: 'flex-start',
    gap: theme.spacing(1),
    padding: theme.spacing(0.25, 0),
  },
  icon: { fontSize: 18, marginTop: 1, flexShrink: 0 },
  blocker: { color: toneColor('error', theme.palette) },
  warning: { color: toneColor('warning', theme.palette) },
  info: { color: theme.palette.text.secondary },
  fix: { flexShrink: 0, textTransform: 'none', padding: '0 8px' },
  low: {
    color: toneColor('success', theme.palette),
    borderColor: 'currentColor',
  },
  medium: {
    color: toneColor('warning', theme.palette),
    borderColor: 'currentColor',
  },
  high: {
    color: toneColor('error', theme.palette),
    borderColor: 'currentColor',
  },
}));

const SEVERITY_ICONS = {
  blocker: ErrorOutline,
  warning: ReportProblemOutlined,
  info: InfoOutlined,
};

function SeverityIcon(props: { severity: FindingSeverity }) {
  const classes = useStyles();
  const Icon = SEVERITY_ICONS[props.severity];
  return (
    <Icon
      className={`${classes.icon} ${classes[props.severity]}`}
      titleAccess={SEVERITY_LABELS[props.severity]}
    />
  );
}

const suggestionKey = (s: FindingSuggestion) =>
  `${s.field}=${JSON.stringify(s.value)}`;

/**
 * The findings under one form field (or several, e.g. the request-level
 * ones at the top). A suggestion's button is shown once, on the first
 * finding in `all` that offers it, so two findings with the same fix do not
 * give two buttons with the same name.
 */
export function FieldFindings(props: {
  findings: Finding[];
  fields: FindingField[];
  onApply: (suggestion: FindingSuggestion) => void;
  label?: string;
}) {
  const { findings, fields, onApply } = props;
  const classes = useStyles();
  const owners = useMemo(() => {
    const first = new Map<string, Finding>();
    for (const finding of findings) {
      if (finding.suggestion) {
        const key = suggestionKey(finding.suggestion);
        if (!first.has(key)) first.set(key, finding);
      }
    }
    return new Set(first.values());
  }, [findings]);
  const mine = findings.filter(f => fields.includes(f.field));
  if (mine.length === 0) return null;
  return (
    <ul
      className={classes.list}
      aria-label={`Request assistant on ${
        props.label ?? FIELD_LABELS[fields[0]]
      }`}
      data-testid={`api-access-findings-${fields[0]}`}
    >
      {mine.map(finding => (
        <li
          key={`${finding.id}|${finding.field}`}
          className={classes.item}
          data-testid={`finding-${finding.id}`}
        >
          <SeverityIcon severity={finding.severity} />
          <Typography
            variant="body2"
            className={classes[finding.severity]}
            style={{ flexGrow: 1 }}
          >
            {finding.message}
          </Typography>
          {finding.suggestion && owners.has(finding) && (
            <Button
              size="small"
              variant="outlined"
              color="primary"
              className={classes.fix}
              onClick={() => onApply(finding.suggestion!)}
            >
              {finding.suggestion.label}
            </Button>
          )}
        </li>
      ))}
    </ul>
  );
}

function riskLevel(score: number): 'low' | 'medium' | 'high' {
  if (score >= 60) return 'high';
  if (score >= 30) return 'medium';
  return 'low';
}

/**
 * The risk score with its reasons: compact (one line, only the factors that
 * count) for the form, full (every factor with its points) for reviewers.
 */
export function RiskScoreView(props: {
  risk: RiskScore;
  variant?: 'compact' | 'full';
}) {
  const { risk, variant = 'compact' } = props;
  const classes = useStyles();
  const level = riskLevel(risk.score);
  const chip = (
    <Chip
      size="small"
      variant="outlined"
      className={classes[level]}
      style={{ fontWeight: 600 }}
      label={`Risk ${risk.score}/100 (${level})`}
      data-testid="api-access-risk-score"
    />
  );
  if (variant === 'compact') {
    const counted = risk.reasons.filter(r => r.points > 0);
    return (
      <Box
        display="flex"
        alignItems="center"
        flexWrap="wrap"
        style={{ gap: 8 }}
      >
        {chip}
        <Typography variant="caption" color="textSecondary">
          {counted.length === 0
            ? 'nothing adds risk'
            : counted.map(r => `${r.detail} +${r.points}`).join(' · ')}
        </Typography>
      </Box>
    );
  }
  return (
    <Box>
      {chip}
      <ul
        aria-label="Risk score reasons"
        style={{ margin: '8px 0 0', paddingLeft: 20 }}
      >
        {risk.reasons.map(reason => (
          <li key={reason.factor}>
            <Typography variant="body2">
              {reason.factor}: {reason.detail}{' '}
              <Typography
                component="span"
                variant="body2"
                color={reason.points > 0 ? 'textPrimary' : 'textSecondary'}
                style={{ fontWeight: reason.points > 0 ? 600 : 400 }}
              >
                +{reason.points}
              </Typography>
            </Typography>
          </li>
        ))}
      </ul>
    </Box>
  );
}

const SEVERITY_GROUPS: { severity: FindingSeverity; title: string }[] = [
  { severity: 'blocker', title: 'Blockers' },
  { severity: 'warning', title: 'Warnings' },
  { severity: 'info', title: 'Hints' },
];

/** For reviewers: what the assistant noticed at submission, by severity. */
export function AssessmentSummary(props: { assessment: RequestAssessment }) {
  const { assessment } = props;
  const classes = useStyles();
  return (
    <Box display="flex" flexWrap="wrap" style={{ gap: 24 }}>
      <Box minWidth={260}>
        <RiskScoreView risk={assessment.risk} variant="full" />
      </Box>
      <Box flex={1} minWidth={300}>
        {assessment.findings.length === 0 && (
          <Typography variant="body2" color="textSecondary">
            The assistant noticed nothing to point out.
          </Typography>
        )}
        {SEVERITY_GROUPS.map(({ severity, title }) => {
          const group = assessment.findings.filter(
            f => f.severity === severity,
          );
          if (group.length === 0) return null;
          return (
            <Box key={severity} mb={1}>
              <Typography variant="subtitle2" component="h3">
                {title} ({group.length})
              </Typography>
              <ul className={classes.list} aria-label={title}>
                {group.map(finding => (
                  <li
                    key={`${finding.id}|${finding.field}`}
                    className={classes.item}
                    data-testid={`finding-${finding.id}`}
                  >
                    <SeverityIcon severity={finding.severity} />
                    <Box>
                      <Typography variant="body2">{finding.message}</Typography>
                      <Typography variant="caption" color="textSecondary">
                        About {FIELD_LABELS[finding.field] ?? finding.field}
                        {finding.suggestion
                          ? `; suggested: ${finding.suggestion.label}`
                          : ''}
                        ; by {finding.assessor}
                      </Typography>
                    </Box>
                  </li>
                ))}
              </ul>
            </Box>
          );
        })}
        <Typography variant="caption" color="textSecondary">
          Assessed {formatDateTime(assessment.assessedAt)} (round{' '}
          {assessment.round}). The assistant only advises; the decision is
          yours.
        </Typography>
      </Box>
    </Box>
  );
}
