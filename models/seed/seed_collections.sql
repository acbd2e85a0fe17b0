MODEL (
  name oso.seed_collections,
  kind SEED (
    path '../../seeds/collections.csv'
  ),
  columns (
    collection_name VARCHAR,
    display_name VARCHAR,
    description VARCHAR
  ),
  description 'Collection directory: curated groups of projects',
  tags ('seed', 'directory')
)
