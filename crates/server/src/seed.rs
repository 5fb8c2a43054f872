//! Demo data for `shuan demo`: a regulator, two operators under it, a user for every role,
//! data sources over the bundled sample tables and a generated SQLite database, a scan
//! job queued for each source, and one operator's registry profile.

use std::path::{Path, PathBuf};

use sqlx::Connection;

use crate::AppState;
use crate::auth::{OrgKind, Role};
use crate::error::{Error, Result};
use crate::repo::SourceKind;

/// The password of every demo account; the demo is for a laptop, never for production.
pub const DEMO_PASSWORD: &str = "Shuan-demo-2026";

/// A demo sign-in to print.
pub struct DemoLogin {
    pub username: &'static str,
    pub display_name: &'static str,
    pub role: Role,
    pub organisation: &'static str,
}

const PLATFORM: &str = "数安平台运营中心";
const REGULATOR: &str = "天津市互联网信息办公室";
const OPERATOR_A: &str = "津港数据科技有限公司";
const OPERATOR_B: &str = "海河政务服务中心";

const LOGINS: &[DemoLogin] = &[
    DemoLogin {
        username: "admin",
        display_name: "平台管理员",
        role: Role::PlatformAdmin,
        organisation: PLATFORM,
    },
    DemoLogin {
        username: "regulator",
        display_name: "王监管",
        role: Role::RegulatorStaff,
        organisation: REGULATOR,
    },
    DemoLogin {
        username: "officer_a",
        display_name: "李安全",
        role: Role::SecurityOfficer,
        organisation: OPERATOR_A,
    },
    DemoLogin {
        username: "dataadmin_a",
        display_name: "赵数据",
        role: Role::DataAdmin,
        organisation: OPERATOR_A,
    },
    DemoLogin {
        username: "auditor_a",
        display_name: "钱审计",
        role: Role::Auditor,
        organisation: OPERATOR_A,
    },
    DemoLogin {
        username: "vendor_a",
        display_name: "孙外包",
        role: Role::Vendor,
        organisation: OPERATOR_A,
    },
    DemoLogin {
        username: "officer_b",
        display_name: "周安全",
        role: Role::SecurityOfficer,
        organisation: OPERATOR_B,
    },
];

/// Seeds the demo unless it is already there; returns the logins either way. `tables_dir`
/// must be under an allowed root, and so must the data dir (the sample database lives there).
pub async fn seed_demo(state: &AppState, tables_dir: &Path) -> Result<&'static [DemoLogin]> {
    if state.repo.user_by_name("admin").await?.is_some() {
        return Ok(LOGINS);
    }
    let repo = &state.repo;
    let platform = repo
        .create_organisation(PLATFORM, OrgKind::Platform, None, "", "")
        .await?;
    let regulator = repo
        .create_organisation(REGULATOR, OrgKind::Regulator, None, "天津市", "互联网")
        .await?;
    let operator_a = repo
        .create_organisation(
            OPERATOR_A,
            OrgKind::Operator,
            Some(regulator),
            "天津市滨海新区",
            "互联网",
        )
        .await?;
    let operator_b = repo
        .create_organisation(
            OPERATOR_B,
            OrgKind::Operator,
            Some(regulator),
            "天津市河西区",
            "政务",
        )
        .await?;
    let org_of = |name: &str| match name {
        PLATFORM => platform,
        REGULATOR => regulator,
        OPERATOR_A => operator_a,
        _ => operator_b,
    };
    let hash = state.hasher.hash(DEMO_PASSWORD)?;
    let mut user_ids = Vec::new();
    for login in LOGINS {
        user_ids.push(
            repo.create_user(
                org_of(login.organisation),
                login.username,
                login.display_name,
                login.role,
                &hash,
            )
            .await?,
        );
    }
    let officer_a = user_ids[2];
    let officer_b = user_ids[6];
    let tables_dir = tables_dir.canonicalize()?;
    let sample_db = write_sample_database(&state.config.data_dir.join("demo")).await?;
    let sources = [
        (
            operator_a,
            officer_a,
            "客户管理系统",
            "样例数据表",
            tables_dir.display().to_string(),
        ),
        (
            operator_b,
            officer_b,
            "政务服务平台",
            "办件库（SQLite）",
            sample_db.display().to_string(),
        ),
    ];
    for (org, user, system, name, location) in sources {
        let source = repo
            .create_source(org, system, name, SourceKind::Path, &location, None, user)
            .await?;
        repo.create_job(org, source, user).await?;
    }
    // The demo vendor may read operator A's customer system for 90 days.
    let vendor_a = user_ids[LOGINS
        .iter()
        .position(|l| l.username == "vendor_a")
        .expect("listed above")];
    let customer_system = repo.system_id(operator_a, "客户管理系统").await?;
    repo.create_grant(
        operator_a,
        vendor_a,
        customer_system,
        officer_a,
        crate::now() + 90 * 86_400,
    )
    .await?;
    // Registry and filing (issue 8): operator A's profile, on the key-operator list.
    let profile = crate::registry::ProfileInput {
        legal_name: OPERATOR_A.into(),
        uscc: "91120103MA05T2K10P".into(),
        industry: "互联网".into(),
        region: "天津市河西区".into(),
        security_officer: crate::registry::Contact {
            name: "李安全".into(),
            title: "数据安全负责人".into(),
            ..Default::default()
        },
        systems: vec!["客户管理系统".into()],
        ..Default::default()
    };
    repo.add_profile_version(operator_a, &profile, officer_a)
        .await?;
    repo.add_key_decision(operator_a, regulator, true, "处理重要数据", user_ids[1])
        .await?;
    crate::incident::seed_demo(state, officer_a, officer_b).await?;
    // Inspections (issue 9): a drawn inspection with a finding, an order and an interview.
    let regulator_staff = crate::service::actor(state, user_ids[1]).await?;
    crate::inspection::seed_demo(state, &regulator_staff, operator_a).await?;
    state
        .audit
        .record(crate::audit::AuditEntry {
            at: crate::now(),
            actor: "system".into(),
            actor_id: None,
            org_id: None,
            action: "demo_seed".into(),
            target: String::new(),
            detail: format!(
                "{} organisations, {} users, 2 sources, 2 scan jobs",
                4,
                LOGINS.len()
            ),
        })
        .await?;
    state.job_queued.notify_waiters();
    Ok(LOGINS)
}

/// A small government-service database with personal information, generated (no real
/// person's data): names, resident IDs with valid check digits, mobiles, addresses.
async fn write_sample_database(dir: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join("government-services.db");
    if path.exists() {
        return Ok(path);
    }
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await?;
    sqlx::query(
        "CREATE TABLE applicants (id INTEGER PRIMARY KEY, xm TEXT, sfzh TEXT, sjhm TEXT, \
         jtzz TEXT, blsx TEXT, sqrq TEXT)",
    )
    .execute(&mut conn)
    .await?;
    sqlx::query("CREATE TABLE service_items (code TEXT, title TEXT, department TEXT)")
        .execute(&mut conn)
        .await?;
    let surnames = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"];
    let given = ["伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "军"];
    let streets = ["友谊路", "南京路", "卫津路", "黄河道", "解放北路"];
    for i in 0..200u32 {
        let name = format!(
            "{}{}",
            surnames[(i % 10) as usize],
            given[(i / 10 % 10) as usize]
        );
        let birth = format!("19{:02}{:02}{:02}", 60 + i % 40, 1 + i % 12, 1 + i % 28);
        let id = resident_id(&format!("120103{birth}{:03}", 100 + i % 900));
        let mobile = format!("139{:08}", 10_000_000 + i * 7919);
        let address = format!("天津市河西区{}{}号", streets[(i % 5) as usize], 1 + i % 300);
        sqlx::query(
            "INSERT INTO applicants (xm, sfzh, sjhm, jtzz, blsx, sqrq) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(name)
        .bind(id)
        .bind(mobile)
        .bind(address)
        .bind("居住证办理")
        .bind(format!("2026-{:02}-{:02}", 1 + i % 12, 1 + i % 28))
        .execute(&mut conn)
        .await?;
    }
    for (code, title, department) in [
        ("TJ-001", "居住证办理", "公安局"),
        ("TJ-002", "营业执照变更", "市场监管委"),
        ("TJ-003", "社保卡补办", "人社局"),
    ] {
        sqlx::query("INSERT INTO service_items VALUES ($1, $2, $3)")
            .bind(code)
            .bind(title)
            .bind(department)
            .execute(&mut conn)
            .await?;
    }
    conn.close().await?;
    Ok(path)
}

/// Appends the ISO 7064 MOD 11-2 check character to 17 digits.
fn resident_id(first17: &str) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17
        .bytes()
        .zip(WEIGHTS)
        .map(|(digit, weight)| u32::from(digit - b'0') * weight)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{first17}{check}")
}

/// The sample tables shipped with the repository, when running from a checkout.
pub fn bundled_tables_dir() -> Result<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../cli/tests/corpus/tables");
    if dir.is_dir() {
        Ok(dir)
    } else {
        Err(Error::Config(format!(
            "the sample tables are not at {}; run the demo from a source checkout",
            dir.display()
        )))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn resident_ids_get_their_check_character() {
        // GB 11643 example.
        assert_eq!(
            super::resident_id("11010519491231002"),
            "11010519491231002X"
        );
    }
}
