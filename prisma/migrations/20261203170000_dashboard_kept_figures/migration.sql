-- CreateTable
CREATE TABLE "NodeFigures" (
    "nodeId" TEXT NOT NULL,
    "periodKey" TEXT NOT NULL,
    "params" TEXT NOT NULL,
    "day" TEXT NOT NULL,
    "asOf" TIMESTAMPTZ(3) NOT NULL,
    "snapshot" pg_snapshot NOT NULL,
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
CREATE INDEX "FiguresChange_nodeId_xid_idx" ON "FiguresChange"("nodeId", "xid");

-- CreateIndex
CREATE INDEX "FiguresChange_at_idx" ON "FiguresChange"("at");

-- CreateIndex
CREATE INDEX "MeetingSession_startsAt_idx" ON "MeetingSession"("startsAt");


-- The 驾驶舱's kept figures (NodeFigures) are valid only while nothing they were computed from changed.
-- Every table they read tells which nodes a change touches, in the same transaction, by a row in
-- FiguresChange; a kept row is stale once a change exists by a transaction not visible in the snapshot taken
-- before its computation read anything (pg_visible_in_snapshot; the index on (nodeId, xid) leaves only the
-- changes from the snapshot's xmin on to check), so a change committed during a computation is never missed.
-- Statement-level triggers with transition tables: one row per node and statement, even for bulk imports.
-- Their functions hold static SQL (planned once per connection: a check-in runs one on every click).
-- A 党小组 stands for its branch; '*' for every node.

-- For row-level triggers: the nodes `ids`.
CREATE FUNCTION "figures_touch"(ids text[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "FiguresChange" ("nodeId")
  SELECT DISTINCT CASE WHEN o.kind = 'GROUP' AND o."parentId" IS NOT NULL THEN o."parentId" ELSE o.id END
    FROM "OrgNode" o WHERE o.id = ANY(ids);
END $$;

-- Statement-level: per table, the query naming the nodes its changed rows touch (%1$s: the transition table),
-- and one function and trigger per operation (an update touches the nodes of its old and its new rows).
DO $do$
DECLARE
  t record;
  op record;
  rows text;
BEGIN
  FOR t IN SELECT * FROM (VALUES
      ('MeetingSession', 'SELECT "orgNodeId" FROM %1$s'),
      ('DutyRecord', 'SELECT "orgNodeId" FROM %1$s'),
      ('PromptAck', 'SELECT "orgNodeId" FROM %1$s'),
      ('Post', 'SELECT "orgNodeId" FROM %1$s'),
      ('MemberReview', 'SELECT "branchId" FROM %1$s'),
      ('LifeMeetingStep', 'SELECT "branchId" FROM %1$s'),
      -- a new node touches itself (a new 党小组 its branch)
      ('OrgNode', 'SELECT id FROM %1$s'),
      ('Member', 'SELECT "branchId" FROM %1$s'),
      -- the session's node; and the member's branch (a member's check-ins at another node's meetings meet the member's own duties, 双报到)
      ('Attendance', 'SELECT s."orgNodeId" FROM "MeetingSession" s WHERE s.id IN (SELECT "sessionId" FROM %1$s) UNION SELECT m."branchId" FROM "Member" m WHERE m.id IN (SELECT "memberId" FROM %1$s)'),
      ('Minutes', 'SELECT s."orgNodeId" FROM "MeetingSession" s WHERE s.id IN (SELECT "sessionId" FROM %1$s)'),
      ('Pledge', 'SELECT m."branchId" FROM "Member" m WHERE m.id IN (SELECT "memberId" FROM %1$s)'),
      ('ProgressReport', 'SELECT m."branchId" FROM "PledgeItem" i JOIN "Pledge" p ON p.id = i."pledgeId" JOIN "Member" m ON m.id = p."memberId" WHERE i.id IN (SELECT "pledgeItemId" FROM %1$s)')
    ) AS v(tbl, nodes) LOOP
    FOR op IN SELECT * FROM (VALUES ('ins', 'INSERT', 'NEW TABLE AS nrows'), ('upd', 'UPDATE', 'OLD TABLE AS orows NEW TABLE AS nrows'), ('del', 'DELETE', 'OLD TABLE AS orows')) AS w(suffix, event, refs) LOOP
      -- The tree and the roster change in other ways too: see the row-level triggers below.
      CONTINUE WHEN t.tbl IN ('OrgNode', 'Member') AND op.suffix <> 'ins' AND NOT (t.tbl = 'Member' AND op.suffix = 'del');
      rows := CASE op.suffix WHEN 'ins' THEN format(t.nodes, 'nrows') WHEN 'del' THEN format(t.nodes, 'orows')
                             ELSE format(t.nodes, 'nrows') || ' UNION ' || format(t.nodes, 'orows') END;
      EXECUTE format($f$
        CREATE FUNCTION %I() RETURNS trigger LANGUAGE plpgsql AS $body$
        BEGIN
          INSERT INTO "FiguresChange" ("nodeId")
          SELECT DISTINCT CASE WHEN o.kind = 'GROUP' AND o."parentId" IS NOT NULL THEN o."parentId" ELSE o.id END
            FROM "OrgNode" o WHERE o.id IN (%s);
          RETURN NULL;
        END $body$$f$, 'figures_' || t.tbl || '_' || op.suffix, rows);
      EXECUTE format('CREATE TRIGGER %I AFTER %s ON %I REFERENCING %s FOR EACH STATEMENT EXECUTE FUNCTION %I()',
        t.tbl || '_figures_' || op.suffix, op.event, t.tbl, op.refs, 'figures_' || t.tbl || '_' || op.suffix);
    END LOOP;
  END LOOP;
END $do$;

-- Lists, meeting kinds, campaigns, the tree's shape: every node.
CREATE FUNCTION "figures_all"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "FiguresChange" ("nodeId") VALUES ('*');
  RETURN NULL;
END $$;
CREATE TRIGGER "ResponsibilityList_figures" AFTER INSERT OR UPDATE OR DELETE ON "ResponsibilityList" FOR EACH STATEMENT EXECUTE FUNCTION "figures_all"();
CREATE TRIGGER "ResponsibilityItem_figures" AFTER INSERT OR UPDATE OR DELETE ON "ResponsibilityItem" FOR EACH STATEMENT EXECUTE FUNCTION "figures_all"();
CREATE TRIGGER "MeetingKind_figures" AFTER INSERT OR UPDATE OR DELETE ON "MeetingKind" FOR EACH STATEMENT EXECUTE FUNCTION "figures_all"();
CREATE TRIGGER "PledgeCampaign_figures" AFTER INSERT OR UPDATE OR DELETE ON "PledgeCampaign" FOR EACH STATEMENT EXECUTE FUNCTION "figures_all"();
-- A node moved or deleted.
CREATE TRIGGER "OrgNode_figures_upd" AFTER UPDATE ON "OrgNode" FOR EACH ROW
  WHEN (OLD."parentId" IS DISTINCT FROM NEW."parentId" OR OLD.kind IS DISTINCT FROM NEW.kind) EXECUTE FUNCTION "figures_all"();
CREATE TRIGGER "OrgNode_figures_del" AFTER DELETE ON "OrgNode" FOR EACH STATEMENT EXECUTE FUNCTION "figures_all"();

-- Row-level, for rows that change often in ways the figures do not read: the node in column TG_ARGV[0], old and new.
CREATE FUNCTION "figures_row"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE ids text[] := '{}';
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN ids := ids || (to_jsonb(NEW) ->> TG_ARGV[0]); END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN ids := ids || (to_jsonb(OLD) ->> TG_ARGV[0]); END IF;
  ids := array_remove(ids, NULL);
  IF cardinality(ids) > 0 THEN PERFORM "figures_touch"(ids); END IF;
  RETURN NULL;
END $$;

-- Members: moving branch, joining or leaving, a name (minutes name 党课 lecturers), an employee number, a 党小组.
CREATE TRIGGER "Member_figures_upd" AFTER UPDATE ON "Member" FOR EACH ROW
  WHEN (OLD."branchId" IS DISTINCT FROM NEW."branchId" OR OLD.active IS DISTINCT FROM NEW.active OR OLD.name IS DISTINCT FROM NEW.name
        OR OLD."employeeNo" IS DISTINCT FROM NEW."employeeNo" OR OLD."groupId" IS DISTINCT FROM NEW."groupId")
  EXECUTE FUNCTION "figures_row"('branchId');

-- Chats: where 工作提示 are delivered.
CREATE TRIGGER "Chat_figures_ins" AFTER INSERT ON "Chat" FOR EACH ROW WHEN (NEW."orgNodeId" IS NOT NULL) EXECUTE FUNCTION "figures_row"('orgNodeId');
CREATE TRIGGER "Chat_figures_upd" AFTER UPDATE ON "Chat" FOR EACH ROW WHEN (OLD."orgNodeId" IS DISTINCT FROM NEW."orgNodeId") EXECUTE FUNCTION "figures_row"('orgNodeId');
CREATE TRIGGER "Chat_figures_del" AFTER DELETE ON "Chat" FOR EACH ROW WHEN (OLD."orgNodeId" IS NOT NULL) EXECUTE FUNCTION "figures_row"('orgNodeId');

-- Deliveries: only a 工作提示 reaching a chat, the chat's node.
CREATE FUNCTION "figures_prompt_sent"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "figures_touch"(ARRAY(SELECT c."orgNodeId" FROM "Chat" c
    WHERE c.platform = NEW.platform AND c."tenantKey" = NEW."tenantKey" AND c."platformChatId" = NEW.target AND c."orgNodeId" IS NOT NULL));
  RETURN NULL;
END $$;
CREATE TRIGGER "OutboxMessage_figures" AFTER UPDATE ON "OutboxMessage" FOR EACH ROW
  WHEN (NEW."broadcastId" IS NOT NULL AND NEW.status = 'SENT' AND OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION "figures_prompt_sent"();
