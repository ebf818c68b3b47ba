-- Each resource body is stored once: the current version lives only in fhir_resource, and
-- fhir_resource_history (still append-only) keeps the superseded versions. A write moves the
-- previous current row into history before replacing it. The view fhir_resource_version is
-- every version, for vread and _history.
DELETE FROM "fhir_resource_history" h
 USING "fhir_resource" r
 WHERE h."datastore_id" = r."datastore_id" AND h."resource_type" = r."resource_type" AND h."id" = r."id"
   AND h."version_id" = r."version_id";

CREATE VIEW "fhir_resource_version" AS
  SELECT "datastore_id", "resource_type", "id", "version_id", "last_updated", "deleted", "resource" FROM "fhir_resource"
  UNION ALL
  SELECT "datastore_id", "resource_type", "id", "version_id", "last_updated", "deleted", "resource" FROM "fhir_resource_history";

-- The reference index needs no key of its own (writers deduplicate; rows are found through the
-- source and target indexes): no per-row sequence value, one B-tree fewer to maintain.
ALTER TABLE "fhir_reference" DROP CONSTRAINT "fhir_reference_pkey";
ALTER TABLE "fhir_reference" DROP COLUMN "row_id";
