//! Server-rendered pages: minijinja templates compiled into the binary. Templates named
//! `*.html` are auto-escaped, so every value from a scan or a user is escaped on output.

use minijinja::Environment;
use serde::Serialize;

use crate::error::Error;

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("login.html", include_str!("../../templates/login.html")),
    (
        "dashboard.html",
        include_str!("../../templates/dashboard.html"),
    ),
    ("sources.html", include_str!("../../templates/sources.html")),
    ("jobs.html", include_str!("../../templates/jobs.html")),
    (
        "inventory.html",
        include_str!("../../templates/inventory.html"),
    ),
    ("table.html", include_str!("../../templates/table.html")),
    ("column.html", include_str!("../../templates/column.html")),
    ("audit.html", include_str!("../../templates/audit.html")),
    (
        "inventory_print.html",
        include_str!("../../templates/inventory_print.html"),
    ),
    (
        "incidents.html",
        include_str!("../../templates/incidents.html"),
    ),
    (
        "incident.html",
        include_str!("../../templates/incident.html"),
    ),
    ("error.html", include_str!("../../templates/error.html")),
    // Accounts: one's account, the second-factor step, administration.
    ("account.html", include_str!("../../templates/account.html")),
    (
        "login_totp.html",
        include_str!("../../templates/login_totp.html"),
    ),
    (
        "admin_tabs.html",
        include_str!("../../templates/admin_tabs.html"),
    ),
    (
        "admin_users.html",
        include_str!("../../templates/admin_users.html"),
    ),
    (
        "admin_orgs.html",
        include_str!("../../templates/admin_orgs.html"),
    ),
    (
        "admin_grants.html",
        include_str!("../../templates/admin_grants.html"),
    ),
    // Registry and filing (issue 8).
    (
        "registry.html",
        include_str!("../../templates/registry.html"),
    ),
    (
        "operator.html",
        include_str!("../../templates/operator.html"),
    ),
    ("filings.html", include_str!("../../templates/filings.html")),
    ("filing.html", include_str!("../../templates/filing.html")),
    (
        "filing_diff.html",
        include_str!("../../templates/filing_diff.html"),
    ),
    (
        "assessments.html",
        include_str!("../../templates/assessments.html"),
    ),
    (
        "campaign.html",
        include_str!("../../templates/campaign.html"),
    ),
    (
        "assessment.html",
        include_str!("../../templates/assessment.html"),
    ),
    // Inspections, rectification orders and interviews (issue 9).
    (
        "supervision.html",
        include_str!("../../templates/supervision.html"),
    ),
    (
        "inspections.html",
        include_str!("../../templates/inspections.html"),
    ),
    (
        "inspection.html",
        include_str!("../../templates/inspection.html"),
    ),
    (
        "rectifications.html",
        include_str!("../../templates/rectifications.html"),
    ),
    (
        "rectification.html",
        include_str!("../../templates/rectification.html"),
    ),
    (
        "interviews.html",
        include_str!("../../templates/interviews.html"),
    ),
    // Notices, complaints, delivery, plans and drills (issue 9).
    ("inbox.html", include_str!("../../templates/inbox.html")),
    (
        "supervision_links.html",
        include_str!("../../templates/supervision_links.html"),
    ),
    ("notices.html", include_str!("../../templates/notices.html")),
    ("notice.html", include_str!("../../templates/notice.html")),
    (
        "complaints.html",
        include_str!("../../templates/complaints.html"),
    ),
    (
        "complaint.html",
        include_str!("../../templates/complaint.html"),
    ),
    (
        "complaint_new.html",
        include_str!("../../templates/complaint_new.html"),
    ),
    (
        "complaint_track.html",
        include_str!("../../templates/complaint_track.html"),
    ),
    (
        "preparedness.html",
        include_str!("../../templates/preparedness.html"),
    ),
    ("drill.html", include_str!("../../templates/drill.html")),
    (
        "webhooks.html",
        include_str!("../../templates/webhooks.html"),
    ),
];

pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    pub fn new() -> Result<Templates, Error> {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            env.add_template(name, source)?;
        }
        env.add_filter("datetime", format_time);
        Ok(Templates { env })
    }

    pub fn render(&self, name: &str, context: impl Serialize) -> Result<String, Error> {
        Ok(self
            .env
            .get_template(name)?
            .render(minijinja::value::Serde(context))?)
    }
}

/// Unix seconds as `YYYY-MM-DD HH:MM` (UTC+8, the platform's users' time).
pub fn format_time(seconds: i64) -> String {
    if seconds <= 0 {
        return "-".into();
    }
    let local = seconds + 8 * 3600;
    let days = local.div_euclid(86_400);
    let minute_of_day = local.rem_euclid(86_400) / 60;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}",
        minute_of_day / 60,
        minute_of_day % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_read_in_beijing_time() {
        assert_eq!(super::format_time(0), "-");
        assert_eq!(super::format_time(1_700_000_000), "2023-11-15 06:13");
        assert_eq!(super::format_time(951_782_400), "2000-02-29 08:00");
    }
}
