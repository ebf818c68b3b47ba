export * from './aws-clients';
export * from './s3-uri';
export * from './s3-object-store';
export * from './kms-key-check';
