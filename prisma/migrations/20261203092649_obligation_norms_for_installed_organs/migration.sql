-- Data for organs installed before the obligation engine (new installs get it from the meeting-kind norms):
-- 党员大会 and 支委会 count as held only with more than half of those expected (条例 第十一、十二条), and the
-- 双报到服务 kind the default list's B-11 names. Nothing happens on an empty database.
UPDATE "MeetingKind" SET "quorum" = 0.5 WHERE "code" IN ('branch_assembly', 'branch_committee') AND "quorum" IS NULL;

INSERT INTO "MeetingKind" ("id", "code", "name", "category", "orgLevel", "frequency", "aliases", "source")
SELECT 'kind_community_service', 'community_service', '双报到服务', '双报到', 'BRANCH', '{"period": "year", "atLeast": 4}'::jsonb,
       ARRAY['双报到', '进社区', '社区服务'], 'seed 001「组织机关党员进社区开展双报到服务不少于4次」；DOMAIN.md'
 WHERE EXISTS (SELECT 1 FROM "MeetingKind")
   AND NOT EXISTS (SELECT 1 FROM "MeetingKind" WHERE "code" = 'community_service');
