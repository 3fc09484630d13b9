-- CreateTable
CREATE TABLE "NodeFigures" (
    "nodeId" TEXT NOT NULL,
    "periodKey" TEXT NOT NULL,
    "params" TEXT NOT NULL,
    "day" TEXT NOT NULL,
    "asOf" TIMESTAMPTZ(3) NOT NULL,
    "snapshot" TEXT NOT NULL,
    "counts" JSONB NOT NULL,
    "lines" JSONB NOT NULL,

    CONSTRAINT "NodeFigures_pkey" PRIMARY KEY ("nodeId","periodKey","params")
);

-- CreateTable
CREATE TABLE "FiguresChange" (
    "id" BIGSERIAL NOT NULL,
    "nodeId" TEXT NOT NULL,
    "xid" xid8 NOT NULL DEFAULT pg_current_xact_id(),
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "FiguresChange_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "FiguresChange_nodeId_idx" ON "FiguresChange"("nodeId");

-- CreateIndex
CREATE INDEX "FiguresChange_at_idx" ON "FiguresChange"("at");

-- CreateIndex
CREATE INDEX "MeetingSession_startsAt_idx" ON "MeetingSession"("startsAt");


-- The 驾驶舱's kept figures (NodeFigures) are valid only while nothing they were computed from changed.
-- Every table they read tells which nodes a change touches, in the same transaction, by a row in
-- FiguresChange; the reader compares each change's transaction with the snapshot a kept row was computed
-- under (pg_visible_in_snapshot), so a change committed during a computation is never missed.
-- Statement-level triggers with transition tables: one row per node and statement, even for bulk imports.
-- A 党小组 stands for its branch; '*' for every node.

CREATE FUNCTION "figures_touch"(ids text[]) RETURNS void LANGUAGE sql AS $$
  INSERT INTO "FiguresChange" ("nodeId")
  SELECT DISTINCT CASE WHEN o.kind = 'GROUP' AND o."parentId" IS NOT NULL THEN o."parentId" ELSE o.id END
    FROM "OrgNode" o WHERE o.id = ANY(ids)
$$;

-- Tables naming the node in a column (TG_ARGV[0]).
CREATE FUNCTION "figures_by_column"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE ids text[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    EXECUTE format('SELECT array_agg(DISTINCT %I) FROM nrows', TG_ARGV[0]) INTO ids;
  ELSIF TG_OP = 'DELETE' THEN
    EXECUTE format('SELECT array_agg(DISTINCT %I) FROM orows', TG_ARGV[0]) INTO ids;
  ELSE
    EXECUTE format('SELECT array_agg(DISTINCT x) FROM (SELECT %1$I AS x FROM nrows UNION SELECT %1$I FROM orows) u', TG_ARGV[0]) INTO ids;
  END IF;
  IF ids IS NOT NULL THEN PERFORM "figures_touch"(ids); END IF;
  RETURN NULL;
END $$;

-- Rows of a session (Attendance, Minutes): the session's node; attendance also the member's branch
-- (a member's check-ins at another node's meetings meet the member's own duties, 双报到).
CREATE FUNCTION "figures_by_session"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE ids text[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    EXECUTE format('SELECT array_agg(DISTINCT x) FROM (SELECT s."orgNodeId" AS x FROM "MeetingSession" s WHERE s.id IN (SELECT "sessionId" FROM nrows)%s) u',
      CASE WHEN TG_ARGV[0] = 'member' THEN ' UNION SELECT m."branchId" FROM "Member" m WHERE m.id IN (SELECT "memberId" FROM nrows)' ELSE '' END) INTO ids;
  ELSIF TG_OP = 'DELETE' THEN
    EXECUTE format('SELECT array_agg(DISTINCT x) FROM (SELECT s."orgNodeId" AS x FROM "MeetingSession" s WHERE s.id IN (SELECT "sessionId" FROM orows)%s) u',
      CASE WHEN TG_ARGV[0] = 'member' THEN ' UNION SELECT m."branchId" FROM "Member" m WHERE m.id IN (SELECT "memberId" FROM orows)' ELSE '' END) INTO ids;
  ELSE
    EXECUTE format('SELECT array_agg(DISTINCT x) FROM (SELECT s."orgNodeId" AS x FROM "MeetingSession" s WHERE s.id IN (SELECT "sessionId" FROM nrows UNION SELECT "sessionId" FROM orows)%s) u',
      CASE WHEN TG_ARGV[0] = 'member' THEN ' UNION SELECT m."branchId" FROM "Member" m WHERE m.id IN (SELECT "memberId" FROM nrows UNION SELECT "memberId" FROM orows)' ELSE '' END) INTO ids;
  END IF;
  IF ids IS NOT NULL THEN PERFORM "figures_touch"(ids); END IF;
  RETURN NULL;
END $$;

-- Rows of a member (Pledge) or further down (ProgressReport → PledgeItem → Pledge): the member's branch.
CREATE FUNCTION "figures_by_pledge"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE ids text[]; src text; key text;
BEGIN
  key := CASE WHEN TG_TABLE_NAME = 'Pledge' THEN 'id' ELSE 'pledgeItemId' END;
  src := CASE TG_OP WHEN 'INSERT' THEN format('SELECT %I AS k FROM nrows', key)
                    WHEN 'DELETE' THEN format('SELECT %I AS k FROM orows', key)
                    ELSE format('SELECT %1$I AS k FROM nrows UNION SELECT %1$I FROM orows', key) END;
  IF TG_TABLE_NAME = 'Pledge' THEN
    EXECUTE format('SELECT array_agg(DISTINCT m."branchId") FROM "Member" m WHERE m.id IN (SELECT "memberId" FROM %s)',
      CASE TG_OP WHEN 'INSERT' THEN 'nrows' WHEN 'DELETE' THEN 'orows' ELSE '(SELECT "memberId" FROM nrows UNION SELECT "memberId" FROM orows) r' END) INTO ids;
  ELSE
    EXECUTE format('SELECT array_agg(DISTINCT m."branchId") FROM "PledgeItem" i JOIN "Pledge" p ON p.id = i."pledgeId" JOIN "Member" m ON m.id = p."memberId" WHERE i.id IN (%s)', src) INTO ids;
  END IF;
  IF ids IS NOT NULL THEN PERFORM "figures_touch"(ids); END IF;
  RETURN NULL;
END $$;

-- Lists, meeting kinds, campaigns, the tree's shape: every node.
CREATE FUNCTION "figures_all"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "FiguresChange" ("nodeId") VALUES ('*');
  RETURN NULL;
END $$;

-- Row-level, for tables whose rows change often in ways the figures do not read (Member, Chat): the node in
-- TG_ARGV[0], old and new.
CREATE FUNCTION "figures_row"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE ids text[] := '{}';
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN ids := ids || (to_jsonb(NEW) ->> TG_ARGV[0]); END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN ids := ids || (to_jsonb(OLD) ->> TG_ARGV[0]); END IF;
  ids := array_remove(ids, NULL);
  IF cardinality(ids) > 0 THEN PERFORM "figures_touch"(ids); END IF;
  RETURN NULL;
END $$;

-- A 工作提示 delivered to a chat: the chat's node.
CREATE FUNCTION "figures_prompt_sent"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE ids text[];
BEGIN
  SELECT array_agg(c."orgNodeId") INTO ids FROM "Chat" c
   WHERE c.platform = NEW.platform AND c."tenantKey" = NEW."tenantKey" AND c."platformChatId" = NEW.target AND c."orgNodeId" IS NOT NULL;
  IF ids IS NOT NULL THEN PERFORM "figures_touch"(ids); END IF;
  RETURN NULL;
END $$;

-- Statement-level triggers (insert, update, delete) naming the node in a column.
DO $$
DECLARE t record;
BEGIN
  FOR t IN SELECT * FROM (VALUES ('MeetingSession', 'orgNodeId'), ('DutyRecord', 'orgNodeId'), ('PromptAck', 'orgNodeId'), ('Post', 'orgNodeId'),
                                 ('MemberReview', 'branchId'), ('LifeMeetingStep', 'branchId')) AS v(tbl, col) LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS nrows FOR EACH STATEMENT EXECUTE FUNCTION "figures_by_column"(%L)', t.tbl || '_figures_ins', t.tbl, t.col);
    EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING OLD TABLE AS orows NEW TABLE AS nrows FOR EACH STATEMENT EXECUTE FUNCTION "figures_by_column"(%L)', t.tbl || '_figures_upd', t.tbl, t.col);
    EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS orows FOR EACH STATEMENT EXECUTE FUNCTION "figures_by_column"(%L)', t.tbl || '_figures_del', t.tbl, t.col);
  END LOOP;
  FOR t IN SELECT * FROM (VALUES ('Attendance', 'figures_by_session', 'member'), ('Minutes', 'figures_by_session', 'session'),
                                 ('Pledge', 'figures_by_pledge', ''), ('ProgressReport', 'figures_by_pledge', '')) AS v(tbl, fn, arg) LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS nrows FOR EACH STATEMENT EXECUTE FUNCTION %I(%L)', t.tbl || '_figures_ins', t.tbl, t.fn, t.arg);
    EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING OLD TABLE AS orows NEW TABLE AS nrows FOR EACH STATEMENT EXECUTE FUNCTION %I(%L)', t.tbl || '_figures_upd', t.tbl, t.fn, t.arg);
    EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS orows FOR EACH STATEMENT EXECUTE FUNCTION %I(%L)', t.tbl || '_figures_del', t.tbl, t.fn, t.arg);
  END LOOP;
  FOR t IN SELECT * FROM (VALUES ('ResponsibilityList'), ('ResponsibilityItem'), ('MeetingKind'), ('PledgeCampaign')) AS v(tbl) LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I FOR EACH STATEMENT EXECUTE FUNCTION "figures_all"()', t.tbl || '_figures', t.tbl);
  END LOOP;
END $$;

-- The tree: a new node touches itself (a new 党小组 its branch); a node moved or deleted, every node.
CREATE TRIGGER "OrgNode_figures_ins" AFTER INSERT ON "OrgNode" REFERENCING NEW TABLE AS nrows FOR EACH STATEMENT EXECUTE FUNCTION "figures_by_column"('id');
CREATE TRIGGER "OrgNode_figures_upd" AFTER UPDATE ON "OrgNode" FOR EACH ROW
  WHEN (OLD."parentId" IS DISTINCT FROM NEW."parentId" OR OLD.kind IS DISTINCT FROM NEW.kind) EXECUTE FUNCTION "figures_all"();
CREATE TRIGGER "OrgNode_figures_del" AFTER DELETE ON "OrgNode" FOR EACH STATEMENT EXECUTE FUNCTION "figures_all"();

-- Members: joining or leaving a branch, a name (minutes name 党课 lecturers), an employee number.
CREATE TRIGGER "Member_figures_ins" AFTER INSERT ON "Member" REFERENCING NEW TABLE AS nrows FOR EACH STATEMENT EXECUTE FUNCTION "figures_by_column"('branchId');
CREATE TRIGGER "Member_figures_upd" AFTER UPDATE ON "Member" FOR EACH ROW
  WHEN (OLD."branchId" IS DISTINCT FROM NEW."branchId" OR OLD.active IS DISTINCT FROM NEW.active OR OLD.name IS DISTINCT FROM NEW.name
        OR OLD."employeeNo" IS DISTINCT FROM NEW."employeeNo" OR OLD."groupId" IS DISTINCT FROM NEW."groupId")
  EXECUTE FUNCTION "figures_row"('branchId');
CREATE TRIGGER "Member_figures_del" AFTER DELETE ON "Member" REFERENCING OLD TABLE AS orows FOR EACH STATEMENT EXECUTE FUNCTION "figures_by_column"('branchId');

-- Chats: where 工作提示 are delivered.
CREATE TRIGGER "Chat_figures_ins" AFTER INSERT ON "Chat" FOR EACH ROW WHEN (NEW."orgNodeId" IS NOT NULL) EXECUTE FUNCTION "figures_row"('orgNodeId');
CREATE TRIGGER "Chat_figures_upd" AFTER UPDATE ON "Chat" FOR EACH ROW WHEN (OLD."orgNodeId" IS DISTINCT FROM NEW."orgNodeId") EXECUTE FUNCTION "figures_row"('orgNodeId');
CREATE TRIGGER "Chat_figures_del" AFTER DELETE ON "Chat" FOR EACH ROW WHEN (OLD."orgNodeId" IS NOT NULL) EXECUTE FUNCTION "figures_row"('orgNodeId');

-- Deliveries: only a 工作提示 reaching a chat.
CREATE TRIGGER "OutboxMessage_figures" AFTER UPDATE ON "OutboxMessage" FOR EACH ROW
  WHEN (NEW."broadcastId" IS NOT NULL AND NEW.status = 'SENT' AND OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION "figures_prompt_sent"();
