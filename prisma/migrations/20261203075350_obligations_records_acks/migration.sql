-- AlterEnum
ALTER TYPE "PostTitle" ADD VALUE 'WORK_COMMITTEE_STAFF';

-- AlterTable
ALTER TABLE "MeetingKind" ADD COLUMN     "quorum" DOUBLE PRECISION;

-- AlterTable
ALTER TABLE "MeetingSession" ADD COLUMN     "lecturerId" TEXT;

-- CreateTable
CREATE TABLE "DutyRecord" (
    "id" TEXT NOT NULL,
    "itemCode" TEXT NOT NULL,
    "orgNodeId" TEXT NOT NULL,
    "memberId" TEXT,
    "occurredAt" TIMESTAMPTZ(3) NOT NULL,
    "text" TEXT NOT NULL,
    "evidence" JSONB NOT NULL DEFAULT '[]',
    "recordedById" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "voidedAt" TIMESTAMPTZ(3),

    CONSTRAINT "DutyRecord_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EscalationNotice" (
    "id" TEXT NOT NULL,
    "nodeId" TEXT NOT NULL,
    "periodKey" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "count" INTEGER NOT NULL,
    "sentAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EscalationNotice_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PromptAck" (
    "id" TEXT NOT NULL,
    "broadcastId" TEXT NOT NULL,
    "orgNodeId" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "byId" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PromptAck_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "DutyRecord_orgNodeId_itemCode_occurredAt_idx" ON "DutyRecord"("orgNodeId", "itemCode", "occurredAt");

-- CreateIndex
CREATE INDEX "DutyRecord_memberId_itemCode_idx" ON "DutyRecord"("memberId", "itemCode");

-- CreateIndex
CREATE UNIQUE INDEX "EscalationNotice_nodeId_periodKey_status_key" ON "EscalationNotice"("nodeId", "periodKey", "status");

-- CreateIndex
CREATE UNIQUE INDEX "PromptAck_broadcastId_orgNodeId_state_key" ON "PromptAck"("broadcastId", "orgNodeId", "state");

-- AddForeignKey
ALTER TABLE "PromptAck" ADD CONSTRAINT "PromptAck_broadcastId_fkey" FOREIGN KEY ("broadcastId") REFERENCES "PromptBroadcast"("id") ON DELETE CASCADE ON UPDATE CASCADE;

