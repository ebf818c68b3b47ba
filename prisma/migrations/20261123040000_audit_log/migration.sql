-- Audit log of the api-gateway: every control-plane call, FHIR write and $export call, and every
-- denial or authentication failure. Append-only: a trigger rejects UPDATE, DELETE and TRUNCATE.
-- Never holds resource bodies or secrets: only who, what action, which resource, and the outcome.
CREATE TABLE "audit_event" (
    "id" BIGSERIAL NOT NULL,
    "occurred_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    "request_id" VARCHAR(64) NOT NULL,
    "principal" VARCHAR(2048),
    "principal_type" VARCHAR(16) NOT NULL,
    "action" VARCHAR(128) NOT NULL,
    "resource" VARCHAR(2048),
    "datastore_id" CHAR(32),
    "outcome" VARCHAR(8) NOT NULL,
    "http_status" SMALLINT NOT NULL,
    "source_ip" VARCHAR(64),
    "reason" VARCHAR(1024),

    CONSTRAINT "audit_event_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "audit_event_outcome_check" CHECK ("outcome" IN ('allowed', 'denied', 'error'))
);

CREATE INDEX "audit_event_occurred_at_idx" ON "audit_event"("occurred_at");
CREATE INDEX "audit_event_principal_id_idx" ON "audit_event"("principal", "id");
CREATE INDEX "audit_event_datastore_id_id_idx" ON "audit_event"("datastore_id", "id");

CREATE FUNCTION "audit_event_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_event is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER "audit_event_no_update_or_delete" BEFORE UPDATE OR DELETE ON "audit_event"
  FOR EACH ROW EXECUTE FUNCTION "audit_event_append_only"();
CREATE TRIGGER "audit_event_no_truncate" BEFORE TRUNCATE ON "audit_event"
  FOR EACH STATEMENT EXECUTE FUNCTION "audit_event_append_only"();
