-- DropIndex
DROP INDEX "OutboxMessage_updateOfKey_seq_idx";

-- CreateIndex
CREATE INDEX "OutboxMessage_updateOfKey_status_seq_idx" ON "OutboxMessage"("updateOfKey", "status", "seq");
