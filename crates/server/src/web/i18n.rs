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
    // ---- incidents (数据安全事件)
    ("incidents", "安全事件", "Incidents"),
    ("incident_title", "事件名称", "Incident"),
    ("incident_grade", "事件级别", "Grade"),
    ("grade_particularly_major", "特别重大", "Particularly major"),
    ("grade_major", "重大", "Major"),
    ("grade_larger", "较大", "Larger"),
    ("grade_general", "一般", "General"),
    ("operator_kind", "报告主体类型", "Operator kind"),
    (
        "operator_kind_cii",
        "关键信息基础设施运营者（1小时内报告）",
        "Critical information infrastructure operator (report within 1 h)",
    ),
    (
        "operator_kind_central_organ",
        "中央和国家机关及其直属单位（2小时内）",
        "Central and state organ (within 2 h)",
    ),
    (
        "operator_kind_other",
        "其他网络运营者（4小时内）",
        "Other operator (within 4 h)",
    ),
    ("occurred_at", "发生时间", "Occurred"),
    ("discovered_at", "发现时间", "Discovered"),
    ("reported_at", "报告时间", "Reported"),
    ("data_kinds", "涉及数据类型", "Data kinds"),
    ("description", "事件描述", "Description"),
    (
        "measure_people_pi",
        "涉及个人信息（人）",
        "People whose personal information is affected",
    ),
    (
        "measure_people_sensitive_pi",
        "涉及敏感个人信息（人）",
        "People whose sensitive personal information is affected",
    ),
    (
        "measure_loss_yuan",
        "直接经济损失（元）",
        "Direct loss (yuan)",
    ),
    (
        "measure_outage_hours",
        "系统中断时长（小时）",
        "Outage (hours)",
    ),
    (
        "measure_important_data",
        "涉及重要数据",
        "Important data involved",
    ),
    ("measure_core_data", "涉及核心数据", "Core data involved"),
    ("report_incident", "报告安全事件", "Report an incident"),
    (
        "report_incident_help",
        "提交即为向监管部门首次报告。系统按《工业和信息化领域数据安全事件应急预案（试行）》和《国家网络安全事件报告管理办法》定级并计算报告时限（北京时间）。",
        "Submitting is the initial report to the regulator. Shu'an grades it by the MIIT 2024 plan and the CAC 2025 measures and computes the reporting deadlines (Beijing time).",
    ),
    ("incident_facts", "事件情况", "Facts"),
    ("incident_status_open", "处置中", "Being handled"),
    (
        "incident_status_resolved",
        "处置结束，待总结",
        "Handled, close-out due",
    ),
    ("incident_status_closed", "已结案", "Closed"),
    ("next_deadline", "下一时限", "Next deadline"),
    ("deadlines", "报告时限", "Reporting deadlines"),
    ("report", "报告", "Report"),
    ("due_at", "截止", "Due"),
    ("report_initial", "首次报告", "Initial report"),
    (
        "report_escalation",
        "逐级上报国家网信部门",
        "Forward to the national level",
    ),
    ("report_close_out", "事件处置总结报告", "Close-out report"),
    ("deadline_due", "未到期", "Due"),
    ("deadline_overdue", "已超时", "Overdue"),
    ("deadline_done", "按时完成", "Done on time"),
    ("deadline_late", "超时完成", "Done late"),
    (
        "no_statutory_clock",
        "一般事件：《办法》第四条只要求较大以上事件报告，无法定时限",
        "General incident: the CAC measures time reports of larger incidents and above only",
    ),
    (
        "escalated_overdue",
        "已超时并升级提醒",
        "Overdue, escalated",
    ),
    ("escalated_at", "升级时间", "escalated"),
    ("grade_reasons", "定级依据", "Why this grade"),
    ("measure", "指标", "Measure"),
    ("value", "本事件", "This incident"),
    ("threshold", "阈值", "Threshold"),
    ("clause", "条款", "Clause"),
    (
        "no_rule_met",
        "未达到较大及以上任何情形，定为一般事件",
        "No rule of a higher grade is met: general",
    ),
    ("timeline", "处置记录", "Timeline"),
    ("add_entry", "添加记录", "Add"),
    ("system_actor", "系统", "system"),
    ("yes", "是", "yes"),
    ("no", "否", "no"),
    ("entry_note", "进展记录", "Note"),
    ("entry_supplement", "补报", "Supplement"),
    (
        "entry_notification",
        "已通知受影响个人",
        "Affected people notified",
    ),
    (
        "entry_escalation",
        "已上报国家网信部门",
        "Forwarded to the national level",
    ),
    ("entry_resolved", "处置结束", "Handling ended"),
    ("entry_close_out", "事件处置总结报告", "Close-out report"),
    ("entry_overdue", "超时升级", "Overdue, escalated"),
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
