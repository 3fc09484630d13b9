-- CreateIndex
CREATE INDEX "OutboxMessage_platform_platformMessageId_idx" ON "OutboxMessage"("platform", "platformMessageId");


-- A check-in updates its Attendance row in place: free space on each page lets PostgreSQL keep the
-- new version on the same page (a HOT update, no index writes). Prisma does not model storage
-- parameters, so this does not show as drift.
ALTER TABLE "Attendance" SET (fillfactor = 70);
