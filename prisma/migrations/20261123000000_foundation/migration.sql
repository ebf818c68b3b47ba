-- CreateEnum
CREATE TYPE "DatastoreStatus" AS ENUM ('CREATING', 'ACTIVE', 'DELETING', 'DELETED');

-- CreateTable
CREATE TABLE "datastore" (
    "id" CHAR(32) NOT NULL,
    "name" VARCHAR(256),
    "status" "DatastoreStatus" NOT NULL,
    "type_version" VARCHAR(8) NOT NULL DEFAULT 'R4',
    "client_token" VARCHAR(64),
    "request_hash" CHAR(64),
    "sse_configuration" JSONB,
    "preload_data_config" JSONB,
    "identity_provider_configuration" JSONB,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "datastore_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "datastore_tag" (
    "datastore_id" CHAR(32) NOT NULL,
    "key" VARCHAR(128) NOT NULL,
    "value" VARCHAR(256) NOT NULL,

    CONSTRAINT "datastore_tag_pkey" PRIMARY KEY ("datastore_id","key")
);

-- CreateTable
CREATE TABLE "fhir_resource" (
    "datastore_id" CHAR(32) COLLATE "C" NOT NULL,
    "resource_type" VARCHAR(64) COLLATE "C" NOT NULL,
    "id" VARCHAR(64) COLLATE "C" NOT NULL,
    "version_id" INTEGER NOT NULL,
    "last_updated" TIMESTAMPTZ(6) NOT NULL,
    "deleted" BOOLEAN NOT NULL DEFAULT false,
    "resource" JSON,

    CONSTRAINT "fhir_resource_pkey" PRIMARY KEY ("datastore_id","resource_type","id")
);

-- CreateTable
CREATE TABLE "fhir_resource_history" (
    "datastore_id" CHAR(32) COLLATE "C" NOT NULL,
    "resource_type" VARCHAR(64) COLLATE "C" NOT NULL,
    "id" VARCHAR(64) COLLATE "C" NOT NULL,
    "version_id" INTEGER NOT NULL,
    "last_updated" TIMESTAMPTZ(6) NOT NULL,
    "deleted" BOOLEAN NOT NULL DEFAULT false,
    "resource" JSON,

    CONSTRAINT "fhir_resource_history_pkey" PRIMARY KEY ("datastore_id","resource_type","id","version_id")
);

-- CreateTable
CREATE TABLE "fhir_reference" (
    "datastore_id" CHAR(32) COLLATE "C" NOT NULL,
    "source_type" VARCHAR(64) COLLATE "C" NOT NULL,
    "source_id" VARCHAR(64) COLLATE "C" NOT NULL,
    "path" TEXT COLLATE "C" NOT NULL,
    "reference" TEXT COLLATE "C" NOT NULL,
    "target_type" VARCHAR(64) COLLATE "C",
    "target_id" VARCHAR(64) COLLATE "C",
    "row_id" BIGSERIAL NOT NULL,

    CONSTRAINT "fhir_reference_pkey" PRIMARY KEY ("row_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "datastore_client_token_key" ON "datastore"("client_token");

-- CreateIndex
CREATE INDEX "datastore_created_at_id_idx" ON "datastore"("created_at", "id");

-- CreateIndex
CREATE INDEX "fhir_resource_datastore_id_last_updated_idx" ON "fhir_resource"("datastore_id", "last_updated");

-- CreateIndex
CREATE INDEX "fhir_reference_datastore_id_source_type_source_id_idx" ON "fhir_reference"("datastore_id", "source_type", "source_id");

-- CreateIndex
CREATE INDEX "fhir_reference_datastore_id_target_type_target_id_idx" ON "fhir_reference"("datastore_id", "target_type", "target_id");

-- AddForeignKey
ALTER TABLE "datastore_tag" ADD CONSTRAINT "datastore_tag_datastore_id_fkey" FOREIGN KEY ("datastore_id") REFERENCES "datastore"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- CreateTable
CREATE TABLE "server_secret" (
    "name" VARCHAR(64) NOT NULL,
    "value" BYTEA NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "server_secret_pkey" PRIMARY KEY ("name")
);
