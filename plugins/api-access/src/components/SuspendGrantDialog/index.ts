export { ResumeGrantDialog, SuspendGrantDialog } from './SuspendGrantDialog';
