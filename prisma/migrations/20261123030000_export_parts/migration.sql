-- Export plan: each part is one output object (one resource type, an id range of at most 5,000
-- resources of the job's snapshot), planned once per job and kept across re-claims, so a resumed
-- job exports only the parts not yet DONE and produces exactly the same objects.
CREATE TABLE "fhir_export_part" (
    "job_id" CHAR(32) NOT NULL,
    "part_id" INTEGER NOT NULL,
    "resource_type" VARCHAR(64) NOT NULL,
    "part_number" INTEGER NOT NULL,
    "first_id" VARCHAR(64) NOT NULL,
    "last_id" VARCHAR(64) NOT NULL,
    "resource_count" INTEGER NOT NULL,
    "status" VARCHAR(16) NOT NULL DEFAULT 'PENDING',
    "object_key" VARCHAR(1024) NOT NULL,
    "bytes" BIGINT,
    "error" TEXT,
    "completed_epoch" INTEGER,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "fhir_export_part_pkey" PRIMARY KEY ("job_id","part_id"),
    CONSTRAINT "fhir_export_part_status_check" CHECK ("status" IN ('PENDING', 'DONE', 'FAILED'))
);

CREATE UNIQUE INDEX "fhir_export_part_job_id_resource_type_part_number_key" ON "fhir_export_part"("job_id", "resource_type", "part_number");

ALTER TABLE "fhir_export_part" ADD CONSTRAINT "fhir_export_part_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "fhir_job"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Patient/Group exports: the compartment members as of the snapshot, materialized when planning
-- (root = a Patient the export is about). Dropped when the job finishes.
CREATE TABLE "fhir_export_member" (
    "job_id" CHAR(32) NOT NULL,
    "resource_type" VARCHAR(64) NOT NULL,
    "id" VARCHAR(64) NOT NULL,
    "root" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "fhir_export_member_pkey" PRIMARY KEY ("job_id","resource_type","id")
);

ALTER TABLE "fhir_export_member" ADD CONSTRAINT "fhir_export_member_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "fhir_job"("id") ON DELETE CASCADE ON UPDATE CASCADE;
