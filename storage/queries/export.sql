-- Statements used by storage/export.py. {source}, {path} and {options} are filled in by the
-- caller; $since is a bound parameter (NULL: everything).

-- name: incidents_since
SELECT *, month(event_date) AS month
FROM v_incidents
WHERE $since IS NULL OR event_date >= $since

-- name: acled_columns
-- ACLED's export columns, so ACLED workflows can read our incidents. Differences: iso and
-- country carry the ISO 3166-1 alpha-3 code, inter1/inter2 our actor types, and the sub-event
-- type ACLED's display label; columns we do not code (assoc_actor_*, admin3, region, tags) are empty.
-- Columns ACLED lacks (geonames_id, fatalities_high, n_sources, ...) are left out: the parquet and
-- csv exports carry them.
WITH labels(sub_event_type, label) AS (VALUES
  ('government_regains_territory', 'Government regains territory'),
  ('non_state_actor_overtakes_territory', 'Non-state actor overtakes territory'),
  ('armed_clash', 'Armed clash'),
  ('chemical_weapon', 'Chemical weapon'),
  ('air_drone_strike', 'Air/drone strike'),
  ('suicide_bomb', 'Suicide bomb'),
  ('shelling_artillery_missile_attack', 'Shelling/artillery/missile attack'),
  ('remote_explosive_landmine_ied', 'Remote explosive/landmine/IED'),
  ('grenade', 'Grenade'),
  ('sexual_violence', 'Sexual violence'),
  ('attack', 'Attack'),
  ('abduction_forced_disappearance', 'Abduction/forced disappearance'),
  ('peaceful_protest', 'Peaceful protest'),
  ('protest_with_intervention', 'Protest with intervention'),
  ('excessive_force_against_protesters', 'Excessive force against protesters'),
  ('violent_demonstration', 'Violent demonstration'),
  ('mob_violence', 'Mob violence'),
  ('agreement', 'Agreement'),
  ('arrests', 'Arrests'),
  ('change_to_group_activity', 'Change to group/activity'),
  ('disrupted_weapons_use', 'Disrupted weapons use'),
  ('headquarters_or_base_established', 'Headquarters or base established'),
  ('looting_property_destruction', 'Looting/property destruction'),
  ('non_violent_transfer_of_territory', 'Non-violent transfer of territory'),
  ('other', 'Other')
)
SELECT
  i.incident_id AS event_id_cnty,
  i.event_date,
  i.year,
  i.time_precision,
  i.disorder_type,
  i.event_type,
  labels.label AS sub_event_type,
  i.actor1,
  NULL::VARCHAR AS assoc_actor_1,
  i.actor1_type AS inter1,
  i.actor2,
  NULL::VARCHAR AS assoc_actor_2,
  i.actor2_type AS inter2,
  concat_ws('-', i.actor1_type, i.actor2_type) AS interaction,
  i.civilian_targeting,
  i.country AS iso,
  NULL::VARCHAR AS region,
  i.country,
  i.admin1,
  i.admin2,
  NULL::VARCHAR AS admin3,
  i.location,
  i.latitude,
  i.longitude,
  i.geo_precision,
  i.source,
  CASE WHEN i.n_sources > 1 THEN 'Multiple sources' ELSE 'Single source' END AS source_scale,
  i.notes,
  coalesce(i.fatalities, 0) AS fatalities,
  NULL::VARCHAR AS tags,
  epoch(i.last_seen)::BIGINT AS timestamp
FROM v_incidents AS i
LEFT JOIN labels USING (sub_event_type)
WHERE $since IS NULL OR i.event_date >= $since
ORDER BY i.event_date, i.incident_id

-- name: copy_to
COPY ({source}) TO {path} ({options})
