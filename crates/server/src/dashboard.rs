//! The dashboard's figures: columns by level and category, sensitive columns per operator,
//! scan coverage (sources scanned, tables reviewed) and freshness (age of each source's last
//! successful scan). Each organisation's figures are counted once and kept in the repository's
//! read cache (`cache.rs`) until the next write.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;
use sqlx::Row;

use crate::error::Result;
use crate::repo::{Counts, Organisation, Repo};

const DAY_SECONDS: i64 = 86_400;

/// One organisation's figures, as counted from the database.
#[derive(Clone, Debug, Default)]
pub struct OrgFigures {
    pub label_groups: Vec<LabelGroup>,
    pub tables: i64,
    pub sources: Vec<SourceFigures>,
}

/// Columns sharing a label and a review state.
#[derive(Clone, Debug)]
pub struct LabelGroup {
    pub level: Option<String>,
    pub category: Option<String>,
    pub reviewed: bool,
    pub columns: i64,
}

#[derive(Clone, Debug, Default)]
pub struct SourceFigures {
    pub id: i64,
    pub name: String,
    pub system: String,
    /// When its last successful scan finished; 0 when it never had one.
    pub last_scan_at: i64,
    pub tables: i64,
    /// Tables with a sensitive column (level above general) no person has reviewed yet.
    pub tables_awaiting_review: i64,
}

impl Repo {
    /// The figures of one organisation, from the cache or counted now.
    pub async fn org_figures(&self, org_id: i64) -> Result<Arc<OrgFigures>> {
        if let Some(figures) = self.cache.get(&self.cache.figures, &org_id) {
            return Ok(figures);
        }
        let generation = self.cache.generation();
        let figures = Arc::new(self.count_org_figures(org_id).await?);
        self.cache.figures.put(org_id, generation, figures.clone());
        Ok(figures)
    }

    async fn count_org_figures(&self, org_id: i64) -> Result<OrgFigures> {
        // One pass over the organisation's columns on the covering index
        // (org_id, level, category, reviewed).
        let label_groups = sqlx::query(
            "SELECT level, category, reviewed, COUNT(*) FROM inventory_columns \
             WHERE org_id = $1 GROUP BY level, category, reviewed",
        )
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(LabelGroup {
                level: row.try_get(0)?,
                category: row.try_get(1)?,
                reviewed: row.try_get::<i64, _>(2)? != 0,
                columns: row.try_get(3)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let per_source = |sql: &'static str| async move {
            sqlx::query(sql)
                .bind(org_id)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|row| Ok((row.try_get::<i64, _>(0)?, row.try_get::<i64, _>(1)?)))
                .collect::<Result<BTreeMap<i64, i64>>>()
        };
        let tables = per_source(
            "SELECT source_id, COUNT(*) FROM inventory_tables WHERE org_id = $1 GROUP BY source_id",
        )
        .await?;
        let awaiting_review = per_source(
            "SELECT t.source_id, COUNT(DISTINCT c.table_id) FROM inventory_columns c \
             JOIN inventory_tables t ON t.id = c.table_id \
             WHERE c.org_id = $1 AND c.reviewed = 0 AND c.level IS NOT NULL \
             AND c.level <> 'general' GROUP BY t.source_id",
        )
        .await?;
        let sources = sqlx::query(
            "SELECT s.id, s.name, y.name, \
             (SELECT MAX(j.finished_at) FROM scan_jobs j \
              WHERE j.source_id = s.id AND j.status = 'succeeded') \
             FROM data_sources s JOIN systems y ON y.id = s.system_id \
             WHERE s.org_id = $1 ORDER BY s.id",
        )
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            let id: i64 = row.try_get(0)?;
            Ok(SourceFigures {
                id,
                name: row.try_get(1)?,
                system: row.try_get(2)?,
                last_scan_at: row.try_get::<Option<i64>, _>(3)?.unwrap_or(0),
                tables: tables.get(&id).copied().unwrap_or(0),
                tables_awaiting_review: awaiting_review.get(&id).copied().unwrap_or(0),
            })
        })
        .collect::<Result<Vec<_>>>()?;
        Ok(OrgFigures {
            label_groups,
            tables: tables.values().sum(),
            sources,
        })
    }
}

/// What the dashboard shows: the counts, coverage and freshness.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Dashboard {
    #[serde(flatten)]
    pub counts: Counts,
    pub coverage: Coverage,
    pub freshness: Freshness,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Coverage {
    pub sources: i64,
    /// Sources with at least one successful scan.
    pub sources_scanned: i64,
    pub sources_not_scanned: i64,
    pub tables: i64,
    /// Tables in which no sensitive column awaits a person's review.
    pub tables_reviewed: i64,
    /// `tables_reviewed` of `tables`, in whole percent (100 when there are no tables).
    pub tables_reviewed_percent: i64,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Freshness {
    /// A source whose last successful scan is older than this is stale.
    pub stale_after_days: i64,
    /// Sources stale or never scanned.
    pub stale_sources: i64,
    /// Every source, the least recently scanned first (never scanned before all).
    pub sources: Vec<SourceFreshness>,
}

#[derive(Clone, Debug, Serialize)]
pub struct SourceFreshness {
    pub id: i64,
    pub organisation: String,
    pub system: String,
    pub name: String,
    /// 0 when never scanned.
    pub last_scan_at: i64,
    /// Whole days since the last successful scan; absent when never scanned.
    pub age_days: Option<i64>,
    pub stale: bool,
    pub tables: i64,
    pub tables_awaiting_review: i64,
}

/// Folds the figures of the organisations a user may see into the dashboard, at `now`.
pub fn assemble(
    figures: &[(Organisation, Arc<OrgFigures>)],
    stale_after_days: i64,
    now: i64,
) -> Dashboard {
    let mut dashboard = Dashboard::default();
    let counts = &mut dashboard.counts;
    let (mut by_level, mut by_category, mut by_organisation) =
        (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
    let mut freshness = Vec::new();
    for (org, figures) in figures {
        counts.tables += figures.tables;
        counts.sources += figures.sources.len() as i64;
        for group in &figures.label_groups {
            counts.columns += group.columns;
            if group.reviewed {
                counts.reviewed_columns += group.columns;
            }
            if let Some(category) = &group.category {
                *by_category.entry(category.clone()).or_insert(0) += group.columns;
            }
            if let Some(level) = &group.level {
                if level != "general" {
                    counts.sensitive_columns += group.columns;
                    *by_organisation.entry(org.name.clone()).or_insert(0) += group.columns;
                }
                *by_level.entry(level.clone()).or_insert(0) += group.columns;
            }
        }
        for source in &figures.sources {
            let age_days =
                (source.last_scan_at > 0).then(|| (now - source.last_scan_at).max(0) / DAY_SECONDS);
            let stale = age_days.is_none_or(|days| days >= stale_after_days);
            freshness.push(SourceFreshness {
                id: source.id,
                organisation: org.name.clone(),
                system: source.system.clone(),
                name: source.name.clone(),
                last_scan_at: source.last_scan_at,
                age_days,
                stale,
                tables: source.tables,
                tables_awaiting_review: source.tables_awaiting_review,
            });
        }
    }
    counts.by_level = descending(by_level);
    counts.by_category = descending(by_category);
    counts.by_organisation = descending(by_organisation);
    let scanned = freshness.iter().filter(|s| s.last_scan_at > 0).count() as i64;
    let awaiting: i64 = freshness.iter().map(|s| s.tables_awaiting_review).sum();
    let tables_reviewed = counts.tables - awaiting;
    dashboard.coverage = Coverage {
        sources: counts.sources,
        sources_scanned: scanned,
        sources_not_scanned: counts.sources - scanned,
        tables: counts.tables,
        tables_reviewed,
        tables_reviewed_percent: if counts.tables == 0 {
            100
        } else {
            tables_reviewed * 100 / counts.tables
        },
    };
    freshness.sort_by_key(|s| (s.last_scan_at, s.id));
    dashboard.freshness = Freshness {
        stale_after_days,
        stale_sources: freshness.iter().filter(|s| s.stale).count() as i64,
        sources: freshness,
    };
    dashboard
}

/// Largest count first, then by name.
fn descending(map: BTreeMap<String, i64>) -> Vec<(String, i64)> {
    let mut pairs: Vec<(String, i64)> = map.into_iter().collect();
    pairs.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::OrgKind;

    fn org(id: i64, name: &str) -> Organisation {
        Organisation {
            id,
            name: name.into(),
            kind: OrgKind::Operator,
            regulator_id: Some(1),
            region: String::new(),
            industry: String::new(),
        }
    }

    fn source(id: i64, last_scan_at: i64, tables: i64, awaiting: i64) -> SourceFigures {
        SourceFigures {
            id,
            name: format!("s{id}"),
            system: "CRM".into(),
            last_scan_at,
            tables,
            tables_awaiting_review: awaiting,
        }
    }

    #[test]
    fn coverage_and_freshness_follow_the_last_successful_scan() {
        let now = 100 * DAY_SECONDS;
        let figures = OrgFigures {
            label_groups: vec![
                LabelGroup {
                    level: Some("sensitive-pi".into()),
                    category: Some("identity".into()),
                    reviewed: false,
                    columns: 3,
                },
                LabelGroup {
                    level: Some("general".into()),
                    category: None,
                    reviewed: true,
                    columns: 5,
                },
            ],
            tables: 10,
            sources: vec![
                source(1, now - 2 * DAY_SECONDS, 6, 2),
                source(2, now - 30 * DAY_SECONDS, 4, 1),
                source(3, 0, 0, 0),
            ],
        };
        let dashboard = assemble(&[(org(7, "运营者"), Arc::new(figures))], 30, now);
        assert_eq!(dashboard.counts.columns, 8);
        assert_eq!(dashboard.counts.sensitive_columns, 3);
        assert_eq!(dashboard.counts.reviewed_columns, 5);
        assert_eq!(dashboard.counts.by_organisation, vec![("运营者".into(), 3)]);
        assert_eq!(dashboard.coverage.sources_scanned, 2);
        assert_eq!(dashboard.coverage.sources_not_scanned, 1);
        assert_eq!(dashboard.coverage.tables_reviewed, 7);
        assert_eq!(dashboard.coverage.tables_reviewed_percent, 70);
        let order: Vec<(i64, Option<i64>, bool)> = dashboard
            .freshness
            .sources
            .iter()
            .map(|s| (s.id, s.age_days, s.stale))
            .collect();
        // Never scanned first, then the oldest; 30 days old is stale at a 30-day limit.
        assert_eq!(
            order,
            vec![(3, None, true), (2, Some(30), true), (1, Some(2), false)]
        );
        assert_eq!(dashboard.freshness.stale_sources, 2);
    }
}
