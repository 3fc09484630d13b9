-- CreateTable
CREATE TABLE "StoredFile" (
    "sha256" TEXT NOT NULL,
    "bytes" BYTEA NOT NULL,
    "size" INTEGER NOT NULL,
    "mime" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "StoredFile_pkey" PRIMARY KEY ("sha256")
);

-- CreateTable
CREATE TABLE "AttachmentFetch" (
    "id" TEXT NOT NULL,
    "platform" "Platform" NOT NULL,
    "tenantKey" TEXT NOT NULL,
    "chatId" TEXT NOT NULL,
    "chatKind" "ChatKind" NOT NULL,
    "memberId" TEXT,
    "handle" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "ref" JSONB NOT NULL,
    "name" TEXT,
    "status" TEXT NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastError" TEXT,
    "sha256" TEXT,
    "size" INTEGER,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "doneAt" TIMESTAMPTZ(3),

    CONSTRAINT "AttachmentFetch_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "AttachmentFetch_status_nextAt_idx" ON "AttachmentFetch"("status", "nextAt");

-- CreateIndex
CREATE INDEX "AttachmentFetch_handle_idx" ON "AttachmentFetch"("handle");

