-- AlterTable
ALTER TABLE "Member" ADD COLUMN     "leftReason" TEXT,
ADD COLUMN     "mobile" TEXT;

-- CreateTable
CREATE TABLE "Administrator" (
    "id" TEXT NOT NULL,
    "memberId" TEXT NOT NULL,
    "orgNodeId" TEXT NOT NULL,
    "grantedById" TEXT,
    "grantedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revokedAt" TIMESTAMPTZ(3),

    CONSTRAINT "Administrator_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Administrator_memberId_idx" ON "Administrator"("memberId");

-- CreateIndex
CREATE INDEX "Administrator_orgNodeId_idx" ON "Administrator"("orgNodeId");

-- AddForeignKey
ALTER TABLE "Administrator" ADD CONSTRAINT "Administrator_memberId_fkey" FOREIGN KEY ("memberId") REFERENCES "Member"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Administrator" ADD CONSTRAINT "Administrator_orgNodeId_fkey" FOREIGN KEY ("orgNodeId") REFERENCES "OrgNode"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

