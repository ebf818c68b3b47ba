export * from './aws-clients';
export * from './s3-uri';
