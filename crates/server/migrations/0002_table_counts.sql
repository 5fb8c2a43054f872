-- Column counts kept on each table, so inventory lists do not count 100,000 columns per page.
ALTER TABLE inventory_tables ADD COLUMN column_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE inventory_tables ADD COLUMN sensitive_count BIGINT NOT NULL DEFAULT 0;
UPDATE inventory_tables SET
    column_count = (SELECT COUNT(*) FROM inventory_columns c WHERE c.table_id = inventory_tables.id),
    sensitive_count = (SELECT COUNT(*) FROM inventory_columns c WHERE c.table_id = inventory_tables.id
                       AND c.level IS NOT NULL AND c.level <> 'general');
