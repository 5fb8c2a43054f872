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
    // Accounts: second factor, administration, vendor grants, audit filters.
    ("account", "我的账户", "My account"),
    (
        "second_factor",
        "双因素认证（动态口令）",
        "Second factor (one-time codes)",
    ),
    ("totp_code", "6 位动态口令", "6-digit code"),
    ("verify", "验证", "Verify"),
    ("back_to_login", "返回登录", "Back to sign-in"),
    (
        "totp_code_wrong",
        "动态口令错误或已使用，请输入验证器中的新口令",
        "The code is wrong or already used; enter a new one from your authenticator",
    ),
    (
        "totp_off_explain",
        "未启用。启用后登录时除密码外还需输入验证器应用（如 Google Authenticator、FreeOTP）生成的动态口令。",
        "Off. Once on, signing in asks for a code from an authenticator app (Google Authenticator, FreeOTP…) after the password.",
    ),
    ("totp_enrol", "启用双因素认证", "Set up the second factor"),
    (
        "totp_restart",
        "重新生成密钥",
        "Start over with a new secret",
    ),
    (
        "totp_scan_or_type",
        "用验证器应用扫描二维码，或输入下面的密钥、导入 otpauth 地址；然后输入应用显示的口令完成启用。",
        "Scan the QR code with your authenticator app, or type the secret below or import the otpauth URI; then enter the code it shows to finish.",
    ),
    (
        "totp_shown_once",
        "密钥只显示这一次，已加密保存，无法再次查看。",
        "The secret is shown only this once; it is stored encrypted and cannot be shown again.",
    ),
    ("totp_confirm", "确认启用", "Confirm"),
    ("totp_on", "已启用", "On"),
    (
        "totp_disable",
        "停用双因素认证",
        "Turn the second factor off",
    ),
    (
        "totp_enabled",
        "双因素认证已启用",
        "The second factor is on",
    ),
    (
        "totp_disabled",
        "双因素认证已停用",
        "The second factor is off",
    ),
    ("change_password", "修改密码", "Change password"),
    ("current_password", "当前密码", "Current password"),
    (
        "new_password",
        "新密码（至少 12 个字符）",
        "New password (at least 12 characters)",
    ),
    (
        "password_change_signs_out",
        "修改后所有会话将结束，需要重新登录。",
        "Every session ends after the change; sign in again.",
    ),
    ("administration", "系统管理", "Administration"),
    ("users", "用户", "Users"),
    ("organisations", "单位", "Organisations"),
    ("vendor_grants", "外包授权", "Vendor grants"),
    ("display_name", "姓名", "Display name"),
    ("user_active", "正常", "Active"),
    ("user_disabled", "已停用", "Disabled"),
    ("user_locked", "已锁定", "Locked"),
    ("enable", "启用", "Enable"),
    ("disable", "停用", "Disable"),
    ("reset_password", "重置密码", "Reset password"),
    ("totp_reset", "清除", "Remove"),
    ("add_user", "新建用户", "Add a user"),
    ("add_organisation", "登记单位", "Register an organisation"),
    ("org_platform", "平台", "Platform"),
    ("org_regulator", "监管部门", "Regulator"),
    ("org_operator", "数据处理者", "Operator"),
    ("supervised_by", "监管部门", "Supervised by"),
    ("none_for_regulator", "无（监管部门）", "none (a regulator)"),
    ("region", "管辖地区", "Region"),
    ("industry", "行业", "Industry"),
    (
        "vendor_grants_explain",
        "外包服务提供商只能查看被授权信息系统的数据资产清单（表和字段），到期或撤销后立即失效；授权、撤销和查看均记入审计。",
        "A vendor sees only the inventory (tables and columns) of the systems granted to it, until the grant expires or is revoked; grants, revocations and views are audited.",
    ),
    ("granted_by", "授权人", "Granted by"),
    ("expires", "到期时间", "Expires"),
    ("grant_live", "有效", "Live"),
    ("grant_expired", "已到期", "Expired"),
    ("grant_revoked", "已撤销", "Revoked"),
    ("revoke", "撤销", "Revoke"),
    ("add_grant", "新增授权", "Grant access"),
    ("grant_days", "有效天数", "Days valid"),
    (
        "grant_needs_vendor_and_system",
        "需要先有外包服务提供商用户和信息系统（添加数据源时创建）。",
        "First add a vendor user and a system (systems are created with data sources).",
    ),
    ("from_date", "开始日期", "From"),
    ("to_date", "结束日期", "To"),
    ("clear_filters", "清除筛选", "Clear"),
    ("older_entries", "更早的记录", "Older entries"),
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
