//! Interface strings, Chinese first, English second. Templates read them as `t.key`.

use serde_json::{Map, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn parse(text: &str) -> Option<Lang> {
        match text {
            "zh" | "zh-CN" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

/// key, Chinese, English.
const MESSAGES: &[(&str, &str, &str)] = &[
    ("product", "数安", "Shu'an"),
    (
        "tagline",
        "数据安全监管与防护平台",
        "Data security supervision and protection",
    ),
    ("login", "登录", "Sign in"),
    ("logout", "退出", "Sign out"),
    ("username", "用户名", "Username"),
    ("password", "密码", "Password"),
    (
        "login_failed",
        "用户名或密码错误，或账户已被临时锁定",
        "Wrong username or password, or the account is temporarily locked",
    ),
    ("dashboard", "总览", "Dashboard"),
    ("sources", "数据源", "Data sources"),
    ("jobs", "扫描任务", "Scan jobs"),
    ("inventory", "数据资产清单", "Data inventory"),
    ("audit", "审计日志", "Audit trail"),
    ("language", "English", "中文"),
    ("tables", "表", "Tables"),
    ("columns", "字段", "Columns"),
    ("sensitive_columns", "敏感字段", "Sensitive columns"),
    ("reviewed_columns", "已复核字段", "Reviewed columns"),
    ("by_level", "按级别", "By level"),
    ("by_category", "按类别", "By category"),
    (
        "by_organisation",
        "各单位敏感字段",
        "Sensitive columns per operator",
    ),
    ("recent_jobs", "最近的扫描任务", "Recent scan jobs"),
    ("nothing_yet", "暂无数据", "Nothing yet"),
    ("organisation", "单位", "Organisation"),
    ("system", "信息系统", "System"),
    ("name", "名称", "Name"),
    ("kind", "类型", "Kind"),
    ("location", "位置", "Location"),
    ("created", "创建时间", "Created"),
    ("kind_upload", "上传文件", "Uploaded file"),
    ("kind_path", "服务器路径", "Server path"),
    ("kind_database", "数据库", "Database"),
    ("add_path", "添加服务器路径", "Add a server path"),
    (
        "add_database",
        "添加数据库连接",
        "Add a database connection",
    ),
    ("add_upload", "上传文件", "Upload a file"),
    ("path", "路径", "Path"),
    (
        "database_url",
        "数据库地址（密码经 SM4 加密存储，不再显示）",
        "Database URL (the password is stored SM4-encrypted and never shown again)",
    ),
    ("file", "文件", "File"),
    ("save", "保存", "Save"),
    ("scan", "扫描", "Scan"),
    ("cancel", "取消", "Cancel"),
    ("status", "状态", "Status"),
    ("progress", "进度", "Progress"),
    ("message", "说明", "Message"),
    ("source", "数据源", "Source"),
    ("status_queued", "排队中", "Queued"),
    ("status_running", "运行中", "Running"),
    ("status_succeeded", "已完成", "Succeeded"),
    ("status_failed", "失败", "Failed"),
    ("status_cancelled", "已取消", "Cancelled"),
    ("level", "级别", "Level"),
    ("category", "类别", "Category"),
    ("entity", "识别类型", "Entity"),
    ("confidence", "置信度", "Confidence"),
    ("rows_scanned", "已扫描行数", "Rows scanned"),
    ("filter", "筛选", "Filter"),
    ("page", "第几页：", "Page"),
    ("previous_page", "上一页", "Previous"),
    ("next_page", "下一页", "Next"),
    (
        "export_csv",
        "导出分类分级清单（CSV）",
        "Export the list (CSV)",
    ),
    ("all", "全部", "All"),
    ("search_name", "表名包含", "Table name contains"),
    ("detected", "识别结果", "Detected"),
    ("reviewed", "已复核", "Reviewed"),
    ("not_reviewed", "待复核", "To review"),
    ("review", "复核", "Review"),
    ("reason", "理由", "Reason"),
    (
        "confirm_or_correct",
        "确认或修正标签",
        "Confirm or correct the label",
    ),
    ("history", "复核记录", "Review history"),
    (
        "samples",
        "样例值（已脱敏，查看将记入审计）",
        "Sample values (masked; viewing is audited)",
    ),
    ("show_samples", "查看样例值", "Show sample values"),
    ("comment", "注释", "Comment"),
    ("evidence", "依据", "Evidence"),
    ("at", "时间", "Time"),
    ("actor", "操作人", "Actor"),
    ("action", "操作", "Action"),
    ("target", "对象", "Target"),
    ("detail", "详情", "Detail"),
    (
        "ledger_ok",
        "审计日志完整性校验通过",
        "Audit log integrity verified",
    ),
    (
        "ledger_bad",
        "审计日志完整性校验失败",
        "Audit log integrity check FAILED",
    ),
    ("entries", "条记录", "entries"),
    ("role", "角色", "Role"),
    (
        "role_platform_admin",
        "平台管理员",
        "Platform administrator",
    ),
    ("role_regulator_staff", "监管人员", "Regulator staff"),
    (
        "role_security_officer",
        "数据安全负责人",
        "Data security officer",
    ),
    ("role_data_admin", "数据管理员", "Data administrator"),
    ("role_auditor", "审计员", "Auditor"),
    ("role_vendor", "外包服务提供商", "Vendor"),
    ("back", "返回", "Back"),
    ("error", "出错了", "Something went wrong"),
    ("none", "无", "none"),
    // Inventory feature: dashboard charts, coverage and freshness, XLSX and printable list.
    ("scan_coverage", "扫描覆盖", "Scan coverage"),
    ("review_coverage", "复核进度", "Review progress"),
    ("sources_scanned", "已扫描数据源", "Sources scanned"),
    ("sources_not_scanned", "未扫描数据源", "Sources not scanned"),
    ("tables_reviewed", "已复核表", "Tables reviewed"),
    (
        "tables_awaiting_review",
        "待复核表",
        "Tables awaiting review",
    ),
    (
        "tables_reviewed_note",
        "表中所有敏感字段（一般级以上）均经人工确认或更正，即计为已复核。",
        "A table counts as reviewed when a person has confirmed or corrected every sensitive column (above general) in it.",
    ),
    ("freshness", "扫描时效", "Scan freshness"),
    ("last_scan", "最近成功扫描", "Last successful scan"),
    ("age_days", "距今天数", "Age (days)"),
    ("days", "天", "days"),
    ("stale", "已过期", "Stale"),
    ("fresh", "有效", "Fresh"),
    ("never_scanned", "从未扫描", "Never scanned"),
    (
        "stale_sources",
        "过期或未扫描数据源",
        "Stale or unscanned sources",
    ),
    (
        "stale_rule",
        "最近一次成功扫描超过 {days} 天的数据源视为过期。",
        "A source whose last successful scan is {days} days old or more is stale.",
    ),
    ("export_xlsx", "导出 XLSX", "Export XLSX"),
    ("print_version", "打印版", "Printable version"),
    (
        "inventory_list_title",
        "数据分类分级清单",
        "Data classification and grading list",
    ),
    ("printed_at", "打印时间", "Printed"),
    ("printed_by", "制表单位", "Prepared by"),
    ("yes", "是", "yes"),
    ("no", "否", "no"),
    (
        "print_truncated",
        "仅显示前 {limit} 个字段；请按数据源或级别筛选，或导出 XLSX 获取完整清单。",
        "Only the first {limit} columns are shown; filter by source or level, or export the XLSX for the whole list.",
    ),
];

/// The strings of `lang` as a template object.
pub fn messages(lang: Lang) -> Value {
    let map: Map<String, Value> = MESSAGES
        .iter()
        .map(|(key, zh, en)| {
            let text = match lang {
                Lang::Zh => zh,
                Lang::En => en,
            };
            ((*key).to_owned(), Value::String((*text).to_owned()))
        })
        .collect();
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    #[test]
    fn keys_are_unique_and_both_languages_filled() {
        let mut keys: Vec<_> = super::MESSAGES.iter().map(|m| m.0).collect();
        keys.sort_unstable();
        let before = keys.len();
        keys.dedup();
        assert_eq!(before, keys.len());
        assert!(
            super::MESSAGES
                .iter()
                .all(|m| !m.1.is_empty() && !m.2.is_empty())
        );
    }
}
