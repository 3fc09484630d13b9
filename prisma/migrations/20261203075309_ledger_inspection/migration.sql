-- AlterTable
ALTER TABLE "Attendance" ADD COLUMN     "reason" TEXT;

-- AlterTable
ALTER TABLE "MeetingSession" ADD COLUMN     "backfilled" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "Minutes" ADD COLUMN     "lecturer" TEXT,
ADD COLUMN     "observers" TEXT[] DEFAULT ARRAY[]::TEXT[];
