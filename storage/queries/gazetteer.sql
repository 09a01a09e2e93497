-- Statements used by storage/gazetteer.py. The batch (incoming_gazetteer) is the whole
-- gazetteer: places it no longer lists are removed, unchanged places are left untouched.

-- name: delete_unlisted_places
DELETE FROM gazetteer
WHERE place_id NOT IN (SELECT place_id FROM incoming_gazetteer);

-- name: upsert_places
INSERT INTO gazetteer (place_id, name, kind, country, admin1, admin1_code, admin2, latitude,
                       longitude, geonames_id, population, place_source, gazetteer_version, run_id,
                       updated_at)
SELECT place_id, name, kind, country, admin1, admin1_code, admin2, latitude, longitude,
       geonames_id, population, place_source, $gazetteer_version, $run_id, now()
FROM incoming_gazetteer
ON CONFLICT (place_id) DO UPDATE SET
    name = excluded.name,
    kind = excluded.kind,
    country = excluded.country,
    admin1 = excluded.admin1,
    admin1_code = excluded.admin1_code,
    admin2 = excluded.admin2,
    latitude = excluded.latitude,
    longitude = excluded.longitude,
    geonames_id = excluded.geonames_id,
    population = excluded.population,
    place_source = excluded.place_source,
    gazetteer_version = excluded.gazetteer_version,
    run_id = excluded.run_id,
    updated_at = excluded.updated_at
WHERE (gazetteer.name, gazetteer.kind, gazetteer.country, gazetteer.admin1,
       gazetteer.admin1_code, gazetteer.admin2, gazetteer.latitude, gazetteer.longitude,
       gazetteer.geonames_id, gazetteer.population, gazetteer.place_source,
       gazetteer.gazetteer_version)
    IS DISTINCT FROM
      (excluded.name, excluded.kind, excluded.country, excluded.admin1, excluded.admin1_code,
       excluded.admin2, excluded.latitude, excluded.longitude, excluded.geonames_id,
       excluded.population, excluded.place_source, excluded.gazetteer_version);

-- name: stored_versions
SELECT DISTINCT gazetteer_version
FROM gazetteer
LIMIT 2;
