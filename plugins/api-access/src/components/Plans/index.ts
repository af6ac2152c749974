export { PlanPicker } from './PlanPicker';
export { usePlanText } from './usePlanText';
