-- DropIndex
DROP INDEX "InboundEvent_status_receivedAt_idx";

-- CreateIndex
CREATE INDEX "InboundEvent_receivedAt_idx" ON "InboundEvent"("receivedAt");

-- Room on each page for the DONE version of the row (HOT update). Prisma's schema cannot say this.
ALTER TABLE "InboundEvent" SET (fillfactor = 70);
