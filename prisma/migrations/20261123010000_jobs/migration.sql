-- CreateEnum
CREATE TYPE "JobKind" AS ENUM ('IMPORT', 'EXPORT');

-- CreateEnum
CREATE TYPE "JobStatus" AS ENUM ('SUBMITTED', 'QUEUED', 'IN_PROGRESS', 'COMPLETED_WITH_ERRORS', 'COMPLETED', 'FAILED', 'CANCEL_SUBMITTED', 'CANCEL_IN_PROGRESS', 'CANCEL_COMPLETED', 'CANCEL_FAILED');

-- CreateTable
CREATE TABLE "fhir_job" (
    "id" CHAR(32) NOT NULL,
    "datastore_id" CHAR(32) NOT NULL,
    "kind" "JobKind" NOT NULL,
    "name" VARCHAR(64),
    "status" "JobStatus" NOT NULL DEFAULT 'SUBMITTED',
    "queue_seq" BIGSERIAL NOT NULL,
    "client_token" VARCHAR(64),
    "request_hash" CHAR(64) NOT NULL,
    "data_access_role_arn" VARCHAR(2048) NOT NULL,
    "input_s3_uri" VARCHAR(1024),
    "output_s3_uri" VARCHAR(1024) NOT NULL,
    "kms_key_id" VARCHAR(400) NOT NULL,
    "validation_level" VARCHAR(16),
    "export_request" JSONB,
    "transaction_time" TIMESTAMPTZ(6),
    "submit_time" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "start_time" TIMESTAMPTZ(6),
    "end_time" TIMESTAMPTZ(6),
    "message" TEXT,
    "progress" JSONB NOT NULL DEFAULT '{}',
    "result" JSONB,
    "epoch" INTEGER NOT NULL DEFAULT 0,
    "worker_id" VARCHAR(128),
    "principal" VARCHAR(2048),
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "fhir_job_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "fhir_job_kind_datastore_id_client_token_key" ON "fhir_job"("kind", "datastore_id", "client_token");

-- CreateIndex
CREATE INDEX "fhir_job_datastore_id_status_queue_seq_idx" ON "fhir_job"("datastore_id", "status", "queue_seq");

-- CreateIndex
CREATE INDEX "fhir_job_kind_submit_time_id_idx" ON "fhir_job"("kind", "submit_time" DESC, "id" DESC);

-- AddForeignKey
ALTER TABLE "fhir_job" ADD CONSTRAINT "fhir_job_datastore_id_fkey" FOREIGN KEY ("datastore_id") REFERENCES "datastore"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- At most one active (running or cancelling) import/export job per datastore: the invariant the
-- coordinator relies on, enforced where it cannot race. Prisma cannot express partial indexes.
CREATE UNIQUE INDEX "fhir_job_one_active_per_datastore" ON "fhir_job"("datastore_id")
    WHERE "status" IN ('IN_PROGRESS', 'CANCEL_SUBMITTED', 'CANCEL_IN_PROGRESS');
