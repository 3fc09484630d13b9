-- CreateIndex
CREATE INDEX "OutboxMessage_updateOfKey_createdAt_idx" ON "OutboxMessage"("updateOfKey", "createdAt");

