-- Import job checkpoints: the planned input files of an import job and, per file, how far it was
-- loaded. Every batch commits its data, its checkpoint and its output lines in one fenced
-- transaction, so a replacement worker resumes exactly where the last commit left off.

-- CreateTable
CREATE TABLE "fhir_import_file" (
    "job_id" CHAR(32) NOT NULL,
    "file_index" INTEGER NOT NULL,
    "s3_key" VARCHAR(1024) NOT NULL,
    "size_bytes" BIGINT NOT NULL,
    "gzip" BOOLEAN NOT NULL,
    "output_name" VARCHAR(1100) NOT NULL,
    "state" VARCHAR(16) NOT NULL DEFAULT 'PENDING',
    "next_line" INTEGER NOT NULL DEFAULT 1,
    "next_byte" BIGINT NOT NULL DEFAULT 0,
    "resources_scanned" INTEGER NOT NULL DEFAULT 0,
    "resources_imported" INTEGER NOT NULL DEFAULT 0,
    "customer_errors" INTEGER NOT NULL DEFAULT 0,
    "server_errors" INTEGER NOT NULL DEFAULT 0,
    "imported_bytes" BIGINT NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "fhir_import_file_pkey" PRIMARY KEY ("job_id","file_index")
);

-- SUCCESS/FAILURE output lines of files not yet written to S3 (deleted once written). The primary
-- key also makes a second commit of the same input line impossible.
-- CreateTable
CREATE TABLE "fhir_import_output" (
    "job_id" CHAR(32) NOT NULL,
    "file_index" INTEGER NOT NULL,
    "line" INTEGER NOT NULL,
    "success" BOOLEAN NOT NULL,
    "body" TEXT NOT NULL,

    CONSTRAINT "fhir_import_output_pkey" PRIMARY KEY ("job_id","file_index","line")
);

-- Foreign key in SQL only (no back-relation on FhirJob). Output rows carry none: they are
-- short-lived and bulk-inserted, and a per-row check would slow every batch.
-- AddForeignKey
ALTER TABLE "fhir_import_file" ADD CONSTRAINT "fhir_import_file_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "fhir_job"("id") ON DELETE CASCADE ON UPDATE CASCADE;
