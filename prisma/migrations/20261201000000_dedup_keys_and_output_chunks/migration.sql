-- datastore_id of the resource tables becomes VARCHAR: B-tree deduplication does not apply to
-- CHAR(n) (its equality is not bytewise), and without it the reference index's B-trees, where
-- every target and source repeats, were four times their deduplicated size. The ids are 32 hex
-- characters either way, so comparisons with datastore.id are unchanged.
DROP VIEW "fhir_resource_version";
ALTER TABLE "fhir_resource" ALTER COLUMN "datastore_id" TYPE VARCHAR(32) COLLATE "C";
ALTER TABLE "fhir_resource_history" ALTER COLUMN "datastore_id" TYPE VARCHAR(32) COLLATE "C";
ALTER TABLE "fhir_reference" ALTER COLUMN "datastore_id" TYPE VARCHAR(32) COLLATE "C";
CREATE VIEW "fhir_resource_version" AS
  SELECT "datastore_id", "resource_type", "id", "version_id", "last_updated", "deleted", "resource" FROM "fhir_resource"
  UNION ALL
  SELECT "datastore_id", "resource_type", "id", "version_id", "last_updated", "deleted", "resource" FROM "fhir_resource_history";

-- Import output lines are kept per batch, not per line: a row holds the SUCCESS (or FAILURE)
-- lines of one committed batch, joined by newlines, keyed by the batch's first input line. A row
-- written before this migration is a one-line chunk, so pending outputs of running jobs still read
-- back in order.
ALTER TABLE "fhir_import_output" DROP CONSTRAINT "fhir_import_output_pkey";
ALTER TABLE "fhir_import_output" ADD CONSTRAINT "fhir_import_output_pkey" PRIMARY KEY ("job_id", "file_index", "success", "line");
