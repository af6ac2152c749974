export * from './types';
export * from './schemas';
export * from './secrets';
export * from './completeness';
export * from './leastPrivilege';
export * from './apiChecks';
export * from './duplicates';
export * from './risk';
export * from './builtins';
export {
  isAdminScope,
  isReadScope,
  isWriteScope,
  isProductionLike,
  neededDays,
} from './text';
