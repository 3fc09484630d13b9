-- AlterTable
ALTER TABLE "Pledge" ADD COLUMN     "version" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "PledgeCampaign" ADD COLUMN     "reportUntil" TIMESTAMPTZ(3);

