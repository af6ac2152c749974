export { ChangePlanDialog } from './ChangePlanDialog';
