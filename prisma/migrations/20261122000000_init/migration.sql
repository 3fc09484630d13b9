-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "OrgKind" AS ENUM ('WORK_COMMITTEE', 'UNIT', 'ORGAN_COMMITTEE', 'BRANCH', 'GROUP');

-- CreateEnum
CREATE TYPE "PostTitle" AS ENUM ('PARTY_GROUP_SECRETARY', 'PARTY_GROUP_MEMBER', 'ORGAN_SECRETARY', 'ORGAN_DEPUTY_SECRETARY', 'ORGAN_COMMITTEE_MEMBER', 'BRANCH_SECRETARY', 'BRANCH_DEPUTY_SECRETARY', 'ORGANIZING_MEMBER', 'PUBLICITY_MEMBER', 'DISCIPLINE_MEMBER', 'GROUP_LEADER');

-- CreateEnum
CREATE TYPE "Platform" AS ENUM ('CONSOLE', 'LARK', 'DINGTALK', 'WECOM', 'WECHATY');

-- CreateEnum
CREATE TYPE "ChatKind" AS ENUM ('GROUP', 'DIRECT');

-- CreateEnum
CREATE TYPE "SessionStatus" AS ENUM ('SCHEDULED', 'CANCELLED', 'HELD');

-- CreateEnum
CREATE TYPE "AttendanceStatus" AS ENUM ('PENDING', 'PRESENT', 'LEAVE', 'LATE', 'ABSENT');

-- CreateEnum
CREATE TYPE "RequestKind" AS ENUM ('LEAVE', 'LATE');

-- CreateEnum
CREATE TYPE "DecisionStatus" AS ENUM ('PENDING', 'APPROVED', 'REJECTED');

-- CreateEnum
CREATE TYPE "PledgeMode" AS ENUM ('ITEMS', 'SINGLE_TEXT');

-- CreateEnum
CREATE TYPE "LateRule" AS ENUM ('REFUSE', 'ACCEPT_MARKED');

-- CreateEnum
CREATE TYPE "PledgeStatus" AS ENUM ('DRAFT', 'SUBMITTED', 'APPROVED', 'RETURNED', 'WITHDRAWN');

-- CreateEnum
CREATE TYPE "ProgressState" AS ENUM ('IN_PROGRESS', 'DONE');

-- CreateEnum
CREATE TYPE "DutyLevel" AS ENUM ('PARTY_GROUP', 'ORGAN_COMMITTEE', 'BRANCH');

-- CreateEnum
CREATE TYPE "OutboxStatus" AS ENUM ('PENDING', 'SENDING', 'SENT', 'RETRY', 'DEAD', 'CANCELLED');

-- CreateEnum
CREATE TYPE "InboundStatus" AS ENUM ('RECEIVED', 'DONE', 'FAILED');

-- CreateTable
CREATE TABLE "OrgNode" (
    "id" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "kind" "OrgKind" NOT NULL,
    "name" TEXT NOT NULL,
    "parentId" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "OrgNode_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Member" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "employeeNo" TEXT,
    "branchId" TEXT NOT NULL,
    "groupId" TEXT,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "joinedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "leftAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Member_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Post" (
    "id" TEXT NOT NULL,
    "memberId" TEXT NOT NULL,
    "orgNodeId" TEXT NOT NULL,
    "title" "PostTitle" NOT NULL,
    "since" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "until" TIMESTAMPTZ(3),

    CONSTRAINT "Post_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PlatformIdentity" (
    "id" TEXT NOT NULL,
    "platform" "Platform" NOT NULL,
    "tenantKey" TEXT NOT NULL DEFAULT '',
    "platformUserId" TEXT NOT NULL,
    "memberId" TEXT NOT NULL,
    "displayName" TEXT,
    "boundAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PlatformIdentity_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BindingCode" (
    "id" TEXT NOT NULL,
    "codeHash" TEXT NOT NULL,
    "memberId" TEXT NOT NULL,
    "issuedById" TEXT NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "usedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BindingCode_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Chat" (
    "id" TEXT NOT NULL,
    "platform" "Platform" NOT NULL,
    "tenantKey" TEXT NOT NULL DEFAULT '',
    "platformChatId" TEXT NOT NULL,
    "kind" "ChatKind" NOT NULL,
    "title" TEXT,
    "orgNodeId" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Chat_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "MeetingKind" (
    "id" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "category" TEXT NOT NULL,
    "orgLevel" "OrgKind" NOT NULL,
    "frequency" JSONB NOT NULL,
    "aliases" TEXT[],
    "source" TEXT NOT NULL,

    CONSTRAINT "MeetingKind_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "MeetingSession" (
    "id" TEXT NOT NULL,
    "kindId" TEXT NOT NULL,
    "orgNodeId" TEXT NOT NULL,
    "chatId" TEXT,
    "topic" TEXT NOT NULL,
    "place" TEXT,
    "startsAt" TIMESTAMPTZ(3) NOT NULL,
    "endsAt" TIMESTAMPTZ(3),
    "checkinOpensAt" TIMESTAMPTZ(3) NOT NULL,
    "checkinClosesAt" TIMESTAMPTZ(3) NOT NULL,
    "status" "SessionStatus" NOT NULL DEFAULT 'SCHEDULED',
    "createdById" TEXT NOT NULL,
    "hostId" TEXT,
    "recorderId" TEXT,
    "cardMessageKey" TEXT,
    "version" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "MeetingSession_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Attendance" (
    "id" TEXT NOT NULL,
    "sessionId" TEXT NOT NULL,
    "memberId" TEXT NOT NULL,
    "status" "AttendanceStatus" NOT NULL DEFAULT 'PENDING',
    "checkedInAt" TIMESTAMPTZ(3),
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Attendance_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AttendanceRequest" (
    "id" TEXT NOT NULL,
    "attendanceId" TEXT NOT NULL,
    "kind" "RequestKind" NOT NULL,
    "reason" TEXT NOT NULL,
    "status" "DecisionStatus" NOT NULL DEFAULT 'PENDING',
    "decidedById" TEXT,
    "decidedAt" TIMESTAMPTZ(3),
    "note" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AttendanceRequest_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Minutes" (
    "id" TEXT NOT NULL,
    "sessionId" TEXT NOT NULL,
    "summary" TEXT NOT NULL,
    "resolutions" TEXT,
    "speakers" TEXT[],
    "attachments" JSONB NOT NULL DEFAULT '[]',
    "recordedById" TEXT NOT NULL,
    "recordedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Minutes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PledgeCampaign" (
    "id" TEXT NOT NULL,
    "orgNodeId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "mode" "PledgeMode" NOT NULL DEFAULT 'ITEMS',
    "minItems" INTEGER NOT NULL DEFAULT 1,
    "maxItems" INTEGER NOT NULL DEFAULT 5,
    "itemMaxLength" INTEGER NOT NULL DEFAULT 200,
    "categories" TEXT[],
    "audience" JSONB NOT NULL DEFAULT '{}',
    "deadline" TIMESTAMPTZ(3) NOT NULL,
    "lateRule" "LateRule" NOT NULL DEFAULT 'REFUSE',
    "reportSchedule" TEXT,
    "createdById" TEXT NOT NULL,
    "closedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PledgeCampaign_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Pledge" (
    "id" TEXT NOT NULL,
    "campaignId" TEXT NOT NULL,
    "memberId" TEXT NOT NULL,
    "status" "PledgeStatus" NOT NULL DEFAULT 'DRAFT',
    "late" BOOLEAN NOT NULL DEFAULT false,
    "submittedAt" TIMESTAMPTZ(3),
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Pledge_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PledgeItem" (
    "id" TEXT NOT NULL,
    "pledgeId" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "category" TEXT,
    "content" TEXT NOT NULL,

    CONSTRAINT "PledgeItem_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ProgressReport" (
    "id" TEXT NOT NULL,
    "pledgeItemId" TEXT NOT NULL,
    "period" TEXT NOT NULL,
    "state" "ProgressState" NOT NULL,
    "evidence" TEXT NOT NULL,
    "reviewStatus" "DecisionStatus" NOT NULL DEFAULT 'PENDING',
    "submittedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ProgressReport_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PledgeReview" (
    "id" TEXT NOT NULL,
    "pledgeId" TEXT,
    "progressReportId" TEXT,
    "reviewerId" TEXT NOT NULL,
    "decision" "DecisionStatus" NOT NULL,
    "comment" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PledgeReview_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ResponsibilityList" (
    "id" TEXT NOT NULL,
    "unitId" TEXT NOT NULL,
    "year" INTEGER NOT NULL,
    "version" INTEGER NOT NULL,
    "sourceFile" TEXT NOT NULL,
    "importedById" TEXT,
    "importedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ResponsibilityList_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ResponsibilityItem" (
    "id" TEXT NOT NULL,
    "listId" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "level" "DutyLevel" NOT NULL,
    "post" TEXT NOT NULL,
    "content" TEXT NOT NULL,
    "frequency" TEXT NOT NULL,
    "rule" JSONB,
    "meetingKind" TEXT,
    "evidence" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "keywords" TEXT[],

    CONSTRAINT "ResponsibilityItem_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TaskPrompt" (
    "id" TEXT NOT NULL,
    "templateId" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "body" TEXT,
    "audience" JSONB NOT NULL DEFAULT '{}',
    "schedule" TEXT,
    "tz" TEXT NOT NULL DEFAULT 'Asia/Shanghai',
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "createdById" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TaskPrompt_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PromptBroadcast" (
    "id" TEXT NOT NULL,
    "promptId" TEXT NOT NULL,
    "periodKey" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PromptBroadcast_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OutboxMessage" (
    "id" TEXT NOT NULL,
    "dedupeKey" TEXT NOT NULL,
    "platform" "Platform" NOT NULL,
    "tenantKey" TEXT NOT NULL DEFAULT '',
    "target" TEXT NOT NULL,
    "targetKind" "ChatKind" NOT NULL,
    "kind" TEXT NOT NULL,
    "category" TEXT NOT NULL DEFAULT 'reply',
    "memberId" TEXT,
    "payload" JSONB NOT NULL,
    "updateOfKey" TEXT,
    "status" "OutboxStatus" NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "notBefore" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "platformMessageId" TEXT,
    "broadcastId" TEXT,
    "sentAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "OutboxMessage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "InboundEvent" (
    "id" TEXT NOT NULL,
    "platform" "Platform" NOT NULL,
    "eventId" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "status" "InboundStatus" NOT NULL DEFAULT 'RECEIVED',
    "error" TEXT,
    "receivedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "processedAt" TIMESTAMPTZ(3),

    CONSTRAINT "InboundEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ConversationState" (
    "id" TEXT NOT NULL,
    "platform" "Platform" NOT NULL,
    "chatKey" TEXT NOT NULL,
    "userKey" TEXT NOT NULL,
    "flow" TEXT NOT NULL,
    "step" TEXT NOT NULL,
    "data" JSONB NOT NULL DEFAULT '{}',
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ConversationState_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Reminder" (
    "id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "sessionId" TEXT,
    "kind" TEXT NOT NULL,
    "dueAt" TIMESTAMPTZ(3) NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'PLANNED',
    "firedAt" TIMESTAMPTZ(3),

    CONSTRAINT "Reminder_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ComplianceAlert" (
    "id" TEXT NOT NULL,
    "orgNodeId" TEXT NOT NULL,
    "obligationKey" TEXT NOT NULL,
    "periodKey" TEXT NOT NULL,
    "threshold" TEXT NOT NULL,
    "sentAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ComplianceAlert_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditLog" (
    "id" TEXT NOT NULL,
    "actorId" TEXT,
    "action" TEXT NOT NULL,
    "entityType" TEXT NOT NULL,
    "entityId" TEXT NOT NULL,
    "detail" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AuditLog_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PointsEntry" (
    "id" TEXT NOT NULL,
    "memberId" TEXT NOT NULL,
    "delta" INTEGER NOT NULL,
    "reason" TEXT NOT NULL,
    "refType" TEXT NOT NULL,
    "refId" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PointsEntry_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "OrgNode_code_key" ON "OrgNode"("code");

-- CreateIndex
CREATE INDEX "OrgNode_parentId_idx" ON "OrgNode"("parentId");

-- CreateIndex
CREATE UNIQUE INDEX "Member_employeeNo_key" ON "Member"("employeeNo");

-- CreateIndex
CREATE INDEX "Member_branchId_idx" ON "Member"("branchId");

-- CreateIndex
CREATE INDEX "Member_groupId_idx" ON "Member"("groupId");

-- CreateIndex
CREATE INDEX "Post_orgNodeId_idx" ON "Post"("orgNodeId");

-- CreateIndex
CREATE UNIQUE INDEX "Post_memberId_orgNodeId_title_key" ON "Post"("memberId", "orgNodeId", "title");

-- CreateIndex
CREATE INDEX "PlatformIdentity_memberId_idx" ON "PlatformIdentity"("memberId");

-- CreateIndex
CREATE UNIQUE INDEX "PlatformIdentity_platform_tenantKey_platformUserId_key" ON "PlatformIdentity"("platform", "tenantKey", "platformUserId");

-- CreateIndex
CREATE UNIQUE INDEX "BindingCode_codeHash_key" ON "BindingCode"("codeHash");

-- CreateIndex
CREATE INDEX "Chat_orgNodeId_idx" ON "Chat"("orgNodeId");

-- CreateIndex
CREATE UNIQUE INDEX "Chat_platform_tenantKey_platformChatId_key" ON "Chat"("platform", "tenantKey", "platformChatId");

-- CreateIndex
CREATE UNIQUE INDEX "MeetingKind_code_key" ON "MeetingKind"("code");

-- CreateIndex
CREATE INDEX "MeetingSession_orgNodeId_startsAt_idx" ON "MeetingSession"("orgNodeId", "startsAt");

-- CreateIndex
CREATE INDEX "Attendance_memberId_idx" ON "Attendance"("memberId");

-- CreateIndex
CREATE UNIQUE INDEX "Attendance_sessionId_memberId_key" ON "Attendance"("sessionId", "memberId");

-- CreateIndex
CREATE INDEX "AttendanceRequest_attendanceId_idx" ON "AttendanceRequest"("attendanceId");

-- CreateIndex
CREATE UNIQUE INDEX "Minutes_sessionId_key" ON "Minutes"("sessionId");

-- CreateIndex
CREATE UNIQUE INDEX "Pledge_campaignId_memberId_key" ON "Pledge"("campaignId", "memberId");

-- CreateIndex
CREATE UNIQUE INDEX "PledgeItem_pledgeId_position_key" ON "PledgeItem"("pledgeId", "position");

-- CreateIndex
CREATE UNIQUE INDEX "ProgressReport_pledgeItemId_period_key" ON "ProgressReport"("pledgeItemId", "period");

-- CreateIndex
CREATE UNIQUE INDEX "ResponsibilityList_unitId_year_version_key" ON "ResponsibilityList"("unitId", "year", "version");

-- CreateIndex
CREATE UNIQUE INDEX "ResponsibilityItem_listId_code_key" ON "ResponsibilityItem"("listId", "code");

-- CreateIndex
CREATE UNIQUE INDEX "TaskPrompt_templateId_schedule_key" ON "TaskPrompt"("templateId", "schedule");

-- CreateIndex
CREATE UNIQUE INDEX "PromptBroadcast_promptId_periodKey_key" ON "PromptBroadcast"("promptId", "periodKey");

-- CreateIndex
CREATE UNIQUE INDEX "OutboxMessage_dedupeKey_key" ON "OutboxMessage"("dedupeKey");

-- CreateIndex
CREATE INDEX "OutboxMessage_status_notBefore_idx" ON "OutboxMessage"("status", "notBefore");

-- CreateIndex
CREATE INDEX "OutboxMessage_broadcastId_idx" ON "OutboxMessage"("broadcastId");

-- CreateIndex
CREATE INDEX "OutboxMessage_memberId_createdAt_idx" ON "OutboxMessage"("memberId", "createdAt");

-- CreateIndex
CREATE INDEX "InboundEvent_status_receivedAt_idx" ON "InboundEvent"("status", "receivedAt");

-- CreateIndex
CREATE UNIQUE INDEX "InboundEvent_platform_eventId_key" ON "InboundEvent"("platform", "eventId");

-- CreateIndex
CREATE UNIQUE INDEX "ConversationState_platform_chatKey_userKey_key" ON "ConversationState"("platform", "chatKey", "userKey");

-- CreateIndex
CREATE UNIQUE INDEX "Reminder_key_key" ON "Reminder"("key");

-- CreateIndex
CREATE INDEX "Reminder_sessionId_idx" ON "Reminder"("sessionId");

-- CreateIndex
CREATE UNIQUE INDEX "ComplianceAlert_orgNodeId_obligationKey_periodKey_threshold_key" ON "ComplianceAlert"("orgNodeId", "obligationKey", "periodKey", "threshold");

-- CreateIndex
CREATE INDEX "AuditLog_entityType_entityId_idx" ON "AuditLog"("entityType", "entityId");

-- CreateIndex
CREATE INDEX "AuditLog_actorId_createdAt_idx" ON "AuditLog"("actorId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "PointsEntry_memberId_refType_refId_reason_key" ON "PointsEntry"("memberId", "refType", "refId", "reason");

-- AddForeignKey
ALTER TABLE "OrgNode" ADD CONSTRAINT "OrgNode_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "OrgNode"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Member" ADD CONSTRAINT "Member_branchId_fkey" FOREIGN KEY ("branchId") REFERENCES "OrgNode"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Member" ADD CONSTRAINT "Member_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "OrgNode"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Post" ADD CONSTRAINT "Post_memberId_fkey" FOREIGN KEY ("memberId") REFERENCES "Member"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Post" ADD CONSTRAINT "Post_orgNodeId_fkey" FOREIGN KEY ("orgNodeId") REFERENCES "OrgNode"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PlatformIdentity" ADD CONSTRAINT "PlatformIdentity_memberId_fkey" FOREIGN KEY ("memberId") REFERENCES "Member"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BindingCode" ADD CONSTRAINT "BindingCode_memberId_fkey" FOREIGN KEY ("memberId") REFERENCES "Member"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Chat" ADD CONSTRAINT "Chat_orgNodeId_fkey" FOREIGN KEY ("orgNodeId") REFERENCES "OrgNode"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MeetingSession" ADD CONSTRAINT "MeetingSession_kindId_fkey" FOREIGN KEY ("kindId") REFERENCES "MeetingKind"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MeetingSession" ADD CONSTRAINT "MeetingSession_orgNodeId_fkey" FOREIGN KEY ("orgNodeId") REFERENCES "OrgNode"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Attendance" ADD CONSTRAINT "Attendance_sessionId_fkey" FOREIGN KEY ("sessionId") REFERENCES "MeetingSession"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Attendance" ADD CONSTRAINT "Attendance_memberId_fkey" FOREIGN KEY ("memberId") REFERENCES "Member"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AttendanceRequest" ADD CONSTRAINT "AttendanceRequest_attendanceId_fkey" FOREIGN KEY ("attendanceId") REFERENCES "Attendance"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Minutes" ADD CONSTRAINT "Minutes_sessionId_fkey" FOREIGN KEY ("sessionId") REFERENCES "MeetingSession"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PledgeCampaign" ADD CONSTRAINT "PledgeCampaign_orgNodeId_fkey" FOREIGN KEY ("orgNodeId") REFERENCES "OrgNode"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Pledge" ADD CONSTRAINT "Pledge_campaignId_fkey" FOREIGN KEY ("campaignId") REFERENCES "PledgeCampaign"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Pledge" ADD CONSTRAINT "Pledge_memberId_fkey" FOREIGN KEY ("memberId") REFERENCES "Member"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PledgeItem" ADD CONSTRAINT "PledgeItem_pledgeId_fkey" FOREIGN KEY ("pledgeId") REFERENCES "Pledge"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ProgressReport" ADD CONSTRAINT "ProgressReport_pledgeItemId_fkey" FOREIGN KEY ("pledgeItemId") REFERENCES "PledgeItem"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PledgeReview" ADD CONSTRAINT "PledgeReview_pledgeId_fkey" FOREIGN KEY ("pledgeId") REFERENCES "Pledge"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PledgeReview" ADD CONSTRAINT "PledgeReview_progressReportId_fkey" FOREIGN KEY ("progressReportId") REFERENCES "ProgressReport"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ResponsibilityList" ADD CONSTRAINT "ResponsibilityList_unitId_fkey" FOREIGN KEY ("unitId") REFERENCES "OrgNode"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ResponsibilityItem" ADD CONSTRAINT "ResponsibilityItem_listId_fkey" FOREIGN KEY ("listId") REFERENCES "ResponsibilityList"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PromptBroadcast" ADD CONSTRAINT "PromptBroadcast_promptId_fkey" FOREIGN KEY ("promptId") REFERENCES "TaskPrompt"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ComplianceAlert" ADD CONSTRAINT "ComplianceAlert_orgNodeId_fkey" FOREIGN KEY ("orgNodeId") REFERENCES "OrgNode"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PointsEntry" ADD CONSTRAINT "PointsEntry_memberId_fkey" FOREIGN KEY ("memberId") REFERENCES "Member"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
