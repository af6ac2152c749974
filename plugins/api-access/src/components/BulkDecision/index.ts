export {
  BulkDecisionBar,
  BulkDecisionDialog,
  SelectAllCell,
  SelectCell,
  useSelection,
} from './BulkDecision';
export type { Selection } from './BulkDecision';
