export { UsageChart } from './UsageChart';
export { UsageDialog } from './UsageDialog';
