/* Collections are tiny and change rarely: a full rebuild every day is cheap. */
MODEL (
  name oso.stg_ossd__collections,
  kind full,
  description 'Collections from the directory with a stable collection_id',
  grain (collection_id),
  audits (
    not_null(columns := (collection_id, collection_name)),
    unique_values(columns := (collection_id)),
  ),
  tags ('directory', 'staging'),
);

SELECT
  CONCAT('ossd:', LOWER(collection_name)) AS collection_id,
  LOWER(collection_name) AS collection_name,
  display_name,
  description
FROM oso.seed_collections
