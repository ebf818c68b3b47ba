import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client, type _Object } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Readable } from 'node:stream';

/** SSE-KMS settings every object fhirlake writes carries. */
export interface KmsEncryption {
  kmsKeyId: string;
}

export interface StoredObject {
  key: string;
  size: number;
}

/** Objects in S3 as fhirlake uses them: listing in key order, streaming reads, SSE-KMS writes. */
export class S3ObjectStore {
  constructor(private readonly s3: S3Client) {}

  /** Every object under `prefix`, in S3's key order (lexicographic by UTF-8 bytes), page by page. */
  async *list(bucket: string, prefix: string): AsyncGenerator<StoredObject> {
    let token: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
      for (const object of page.Contents ?? ([] as _Object[])) {
        if (object.Key !== undefined) yield { key: object.Key, size: object.Size ?? 0 };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /** The object's bytes as a stream, optionally from a byte offset (resuming a partly read file). */
  async read(bucket: string, key: string, fromByte = 0): Promise<Readable> {
    const response = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: fromByte > 0 ? `bytes=${fromByte}-` : undefined }));
    return response.Body as Readable;
  }

  async head(bucket: string, key: string): Promise<{ size: number; serverSideEncryption?: string; kmsKeyId?: string } | undefined> {
    try {
      const head = await this.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return { size: head.ContentLength ?? 0, serverSideEncryption: head.ServerSideEncryption, kmsKeyId: head.SSEKMSKeyId };
    } catch (error) {
      if ((error as { name?: string }).name === 'NotFound' || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined;
      throw error;
    }
  }

  async delete(bucket: string, key: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  }

  /**
   * Writes `body` to `key` with SSE-KMS. Large bodies go up as a multipart upload that becomes
   * visible only when complete; on failure the upload is aborted, leaving no parts behind.
   * Memory stays bounded: at most `queueSize` parts of `partSize` bytes are buffered.
   */
  async write(bucket: string, key: string, body: Readable | Buffer | string, encryption: KmsEncryption, contentType = 'application/fhir+ndjson', signal?: AbortSignal): Promise<void> {
    const upload = new Upload({
      client: this.s3,
      params: { Bucket: bucket, Key: key, Body: body, ContentType: contentType, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: encryption.kmsKeyId },
      partSize: 8 * 1024 * 1024,
      queueSize: 2,
      leavePartsOnError: false,
    });
    const onAbort = () => void upload.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await upload.done();
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }
}
