-- DropIndex
DROP INDEX "OutboxMessage_updateOfKey_createdAt_idx";

-- AlterTable
ALTER TABLE "OutboxMessage" ADD COLUMN     "seq" BIGSERIAL NOT NULL;

-- CreateIndex
CREATE INDEX "OutboxMessage_updateOfKey_seq_idx" ON "OutboxMessage"("updateOfKey", "seq");

