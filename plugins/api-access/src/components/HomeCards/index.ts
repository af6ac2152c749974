export {
  ExpiringAccessHomeCardContent,
  ReviewQueueHomeCardContent,
  expiringSoon,
} from './HomeCards';
