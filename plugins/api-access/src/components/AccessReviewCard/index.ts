export * from './AccessReviewCard';
