#!/usr/bin/env bash
# Builds the database-scan benchmark schema in PostgreSQL: TABLES tables x 20 columns x ROWS
# rows (default 1,000 x 20 x 10,000), in the dedicated schema SCHEMA (default shuan_bench),
# all in SQL with generate_series. Then time the scan, e.g.:
#   time shuan scan "$URL" --include 'shuan_bench.*' --format json > /dev/null
#
#   bench/pg_schema.sh [URL]                    # URL defaults to $SHUAN_TEST_POSTGRES
#   TABLES=100 ROWS=1000 bench/pg_schema.sh     # smaller, for a quick try
#   DROP=1 bench/pg_schema.sh                   # drop the schema and stop
#
# The values look like personal data but are not checksum-valid: this measures time, not
# accuracy (the dev corpus loader, crates/source/examples/load_corpus.rs, is for accuracy).
# The full size is about 10 million rows (~2.5 GB on disk); building it takes ~8 minutes on an
# idle 2-core machine (100 tables took 46 s here), much longer while others compile.
set -euo pipefail

URL="${1:-${SHUAN_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/test}}"
TABLES="${TABLES:-1000}"
ROWS="${ROWS:-10000}"
SCHEMA="${SCHEMA:-shuan_bench}"

psql() { command psql "$URL" -v ON_ERROR_STOP=1 -q "$@"; }

psql -c "DROP SCHEMA IF EXISTS $SCHEMA CASCADE"
if [[ "${DROP:-0}" == 1 ]]; then exit 0; fi
psql -c "CREATE SCHEMA $SCHEMA"

# One function builds one table, so each table commits on its own and progress shows.
psql <<SQL
CREATE FUNCTION $SCHEMA.build_table(t int, n int) RETURNS void LANGUAGE plpgsql AS \$\$
DECLARE
  name text := format('%I.%I', '$SCHEMA', 't' || lpad(t::text, 4, '0'));
BEGIN
  -- Pinyin-initial column names with Chinese comments, as in many Chinese databases: half the
  -- columns personal data, half business data that must not be flagged.
  EXECUTE format(\$f\$
    CREATE TABLE %s AS
    SELECT g AS id,
           (ARRAY['张','王','李','赵','刘','陈','杨','黄'])[1 + g %% 8] ||
             (ARRAY['伟','芳','娜','敏','静','强','磊','洋'])[1 + (g / 8) %% 8] AS xm,
           '1' || (ARRAY['38','39','58','86','77'])[1 + g %% 5] || lpad(((g * 7919) %% 100000000)::text, 8, '0') AS sjh,
           '110101' || to_char(date '1960-01-01' + (g * 37) %% 15000, 'YYYYMMDD')
             || lpad((g %% 1000)::text, 3, '0') || 'X' AS sfzh,
           'user' || g || '@example.com' AS yx,
           '北京市朝阳区建国路' || (g %% 300) || '号' AS dz,
           (ARRAY['男','女'])[1 + g %% 2] AS xb,
           '6222' || lpad(((g * 104729) %% 1000000000000)::text, 12, '0') AS yhkh,
           '10.' || (g %% 256) || '.' || ((g / 256) %% 256) || '.' || (g %% 200 + 1) AS ip,
           (date '1970-01-01' + (g * 53) %% 18000)::text AS csrq,
           'DD' || lpad(g::text, 12, '0') AS ddh,
           round((g %% 100000) / 100.0, 2) AS je,
           timestamp '2024-01-01' + make_interval(secs => g * 17) AS cjsj,
           md5(g::text) AS hx,
           (ARRAY['待支付','已支付','已发货','已完成'])[1 + g %% 4] AS zt,
           g %% 50 AS sl,
           'SKU-' || (g %% 5000) AS spbm,
           'M' || lpad((g %% 900000)::text, 8, '0') AS hybh,
           '无' AS bz,
           gen_random_uuid()::text AS lsh
    FROM generate_series(1, %s) g
  \$f\$, name, n);
  EXECUTE format(\$f\$
    COMMENT ON COLUMN %1\$s.xm IS '姓名';
    COMMENT ON COLUMN %1\$s.sjh IS '手机号';
    COMMENT ON COLUMN %1\$s.sfzh IS '身份证号';
    COMMENT ON COLUMN %1\$s.yx IS '电子邮箱';
    COMMENT ON COLUMN %1\$s.dz IS '家庭住址';
    COMMENT ON COLUMN %1\$s.je IS '金额';
    COMMENT ON COLUMN %1\$s.ddh IS '订单号'
  \$f\$, name);
  -- Statistics give the scanner its row estimates and TABLESAMPLE percentages.
  EXECUTE format('ANALYZE %s', name);
END
\$\$;
SQL

start=$(date +%s)
for ((t = 1; t <= TABLES; t++)); do
  psql -c "SELECT $SCHEMA.build_table($t, $ROWS)" > /dev/null
  if ((t % 100 == 0)); then echo "built $t/$TABLES tables ($(($(date +%s) - start)) s)" >&2; fi
done
psql -c "DROP FUNCTION $SCHEMA.build_table(int, int)"
echo "built $SCHEMA: $TABLES tables x 20 columns x $ROWS rows in $(($(date +%s) - start)) s" >&2
