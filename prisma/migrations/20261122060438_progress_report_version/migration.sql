-- AlterTable
ALTER TABLE "ProgressReport" ADD COLUMN     "version" INTEGER NOT NULL DEFAULT 0;

