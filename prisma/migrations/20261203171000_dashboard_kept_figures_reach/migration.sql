-- The 驾驶舱's kept figures (migration 20261203170000_dashboard_kept_figures): changes that the figures of
-- another node than the changed row's read, which those triggers did not tell.

-- A member leaving or coming back: the posts they hold above their branch (the 机关党委's and the unit's
-- per-post duties count active holders only; an import may mark a member left with the post still listed).
CREATE FUNCTION "figures_member_posts"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "figures_touch"(ARRAY(SELECT p."orgNodeId" FROM "Post" p WHERE p."memberId" = NEW.id AND p.until IS NULL));
  RETURN NULL;
END $$;
CREATE TRIGGER "Member_figures_posts" AFTER UPDATE ON "Member" FOR EACH ROW
  WHEN (OLD.active IS DISTINCT FROM NEW.active) EXECUTE FUNCTION "figures_member_posts"();

-- A 党小组 renamed or recoded: its branch's lines name it (党小组会（第一党小组）) and key it by code.
CREATE TRIGGER "OrgNode_figures_name" AFTER UPDATE ON "OrgNode" FOR EACH ROW
  WHEN (NEW.kind = 'GROUP' AND (OLD.name IS DISTINCT FROM NEW.name OR OLD.code IS DISTINCT FROM NEW.code)) EXECUTE FUNCTION "figures_row"('id');

-- A session cancelled, moved or of another kind: the branches of members of other branches who checked in
-- (their 双报到 counts those check-ins); the session's own node is told by MeetingSession_figures_upd.
CREATE FUNCTION "figures_MeetingSession_attendees"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "FiguresChange" ("nodeId")
  SELECT DISTINCT m."branchId"
    FROM nrows n JOIN orows o ON o.id = n.id
    JOIN "Attendance" a ON a."sessionId" = n.id JOIN "Member" m ON m.id = a."memberId"
   WHERE (n.status, n."startsAt", n."kindId") IS DISTINCT FROM (o.status, o."startsAt", o."kindId")
     AND m."branchId" NOT IN (n."orgNodeId", o."orgNodeId");
  RETURN NULL;
END $$;
CREATE TRIGGER "MeetingSession_figures_attendees" AFTER UPDATE ON "MeetingSession" REFERENCING OLD TABLE AS orows NEW TABLE AS nrows
  FOR EACH STATEMENT EXECUTE FUNCTION "figures_MeetingSession_attendees"();

-- A campaign touches the branches of its audience (audienceOf: its branchIds, else its own node), not every
-- node: one unit's campaign made a work committee's next view compute all its branches again.
CREATE FUNCTION "figures_audience"(audience jsonb, node text) RETURNS SETOF text LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_array_elements_text(CASE WHEN jsonb_typeof(audience -> 'branchIds') = 'array' AND audience -> 'branchIds' <> '[]'::jsonb
                                        THEN audience -> 'branchIds' ELSE jsonb_build_array(node) END)
$$;
DROP TRIGGER "PledgeCampaign_figures" ON "PledgeCampaign";
CREATE FUNCTION "figures_PledgeCampaign_ins"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "figures_touch"(ARRAY(SELECT "figures_audience"(r.audience, r."orgNodeId") FROM nrows r));
  RETURN NULL;
END $$;
CREATE FUNCTION "figures_PledgeCampaign_upd"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "figures_touch"(ARRAY(SELECT "figures_audience"(r.audience, r."orgNodeId") FROM nrows r UNION SELECT "figures_audience"(r.audience, r."orgNodeId") FROM orows r));
  RETURN NULL;
END $$;
CREATE FUNCTION "figures_PledgeCampaign_del"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "figures_touch"(ARRAY(SELECT "figures_audience"(r.audience, r."orgNodeId") FROM orows r));
  RETURN NULL;
END $$;
CREATE TRIGGER "PledgeCampaign_figures_ins" AFTER INSERT ON "PledgeCampaign" REFERENCING NEW TABLE AS nrows FOR EACH STATEMENT EXECUTE FUNCTION "figures_PledgeCampaign_ins"();
CREATE TRIGGER "PledgeCampaign_figures_upd" AFTER UPDATE ON "PledgeCampaign" REFERENCING OLD TABLE AS orows NEW TABLE AS nrows FOR EACH STATEMENT EXECUTE FUNCTION "figures_PledgeCampaign_upd"();
CREATE TRIGGER "PledgeCampaign_figures_del" AFTER DELETE ON "PledgeCampaign" REFERENCING OLD TABLE AS orows FOR EACH STATEMENT EXECUTE FUNCTION "figures_PledgeCampaign_del"();
