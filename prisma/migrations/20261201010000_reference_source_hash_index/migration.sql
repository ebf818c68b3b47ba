-- The reference index finds a resource's own references (to replace or list them) by an equality
-- on source_id only: a hash index does that at a fraction of the cost of a B-tree keyed by random
-- ids (4-byte hash codes, no key comparisons, small enough to stay cached during bulk loads).
-- Rows are rechecked for datastore and source type. Compartment and search queries use the target
-- index.
DROP INDEX "fhir_reference_datastore_id_source_type_source_id_idx";
CREATE INDEX "fhir_reference_source_id_idx" ON "fhir_reference" USING hash ("source_id");
