-- AlterTable
ALTER TABLE "DutyRecord" ADD COLUMN     "partnerId" TEXT;

-- CreateTable
CREATE TABLE "MemberReview" (
    "id" TEXT NOT NULL,
    "branchId" TEXT NOT NULL,
    "memberId" TEXT NOT NULL,
    "year" INTEGER NOT NULL,
    "result" TEXT NOT NULL,
    "notes" TEXT,
    "recordedById" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "MemberReview_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LifeMeetingStep" (
    "id" TEXT NOT NULL,
    "branchId" TEXT NOT NULL,
    "year" INTEGER NOT NULL,
    "step" TEXT NOT NULL,
    "memberId" TEXT,
    "text" TEXT NOT NULL,
    "evidence" JSONB NOT NULL DEFAULT '[]',
    "recordedById" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LifeMeetingStep_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "MemberReview_branchId_year_memberId_createdAt_idx" ON "MemberReview"("branchId", "year", "memberId", "createdAt");

-- CreateIndex
CREATE INDEX "LifeMeetingStep_branchId_year_idx" ON "LifeMeetingStep"("branchId", "year");

