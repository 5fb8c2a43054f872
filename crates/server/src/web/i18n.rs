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
    // Assessments and campaigns (issue 8).
    ("assessments", "评估", "Assessments"),
    ("campaigns", "评估任务", "Campaigns"),
    ("assessment_list", "评估单", "Assessments"),
    ("campaign_title", "任务名称", "Campaign"),
    ("questionnaire", "问卷", "Questionnaire"),
    ("deadline", "截止时间", "Deadline"),
    ("send_campaign", "下发评估任务", "Send a campaign"),
    ("recipients", "下发对象", "Recipients"),
    (
        "all_operators",
        "辖区内全部数据处理者",
        "Every operator in the jurisdiction",
    ),
    (
        "chosen_operators",
        "仅下列选中的",
        "Only those ticked below",
    ),
    ("send", "下发", "Send"),
    ("assessment_open", "待填报", "Open"),
    ("assessment_submitted", "已提交", "Submitted"),
    ("assessment_returned", "已退回", "Returned"),
    ("assessment_reviewed", "已审核", "Reviewed"),
    ("outcome_compliant", "符合", "Compliant"),
    (
        "outcome_partially_compliant",
        "部分符合",
        "Partially compliant",
    ),
    ("outcome_non_compliant", "不符合", "Non-compliant"),
    ("outcome_not_applicable", "不适用", "Not applicable"),
    ("requirement", "评估项", "Requirement"),
    ("answer", "结果", "Answer"),
    ("answer_comment", "说明", "Comment"),
    ("save_and_submit", "保存并提交", "Save and submit"),
    ("add_evidence", "上传佐证材料", "Add evidence"),
    ("upload", "上传", "Upload"),
    ("overall_level", "总体成熟度等级", "Overall maturity level"),
    ("compliance_rate", "符合率", "Compliance rate"),
    ("answered_count", "已作答", "Answered"),
    ("conclusion", "审核结论", "Conclusion"),
    ("review_assessment", "审核评估", "Review"),
    ("accept", "通过", "Accept"),
    ("return_for_changes", "退回修改", "Return for changes"),
    ("record_conclusion", "记录结论", "Record conclusion"),
    ("operators", "数据处理者", "Operators"),
    ("submitted_count", "已提交", "Submitted"),
    ("mean_overall", "总体平均", "Mean overall"),
    ("mean", "平均", "Mean"),
    ("overall", "总体", "Overall"),
    ("legend", "图例", "Legend"),
    ("export_report_csv", "导出 CSV", "Export CSV"),
    (
        "import_library",
        "导入问卷库",
        "Import a questionnaire library",
    ),
    (
        "import_library_hint",
        "CISO Assistant 框架库格式的 YAML 文件；校验不通过时列出每个问题所在的节点。",
        "A YAML file in CISO Assistant's framework library format; if it does not validate, every problem is listed with its node.",
    ),
    ("import", "导入", "Import"),
    ("imported", "导入于", "imported"),
    ("unanswered", "未作答", "unanswered"),
    (
        "distribution",
        "总体结果分布",
        "Distribution of overall results",
    ),
    (
        "rule_maturity",
        "过程域等级为所填等级；总体等级为全部适用过程域均达到的等级（各过程域等级的最低值），有未作答的适用过程域时不定级。",
        "A process area's level is the level answered; the overall level is the one every applicable process area reaches (the lowest), undetermined while an applicable area is unanswered.",
    ),
    (
        "rule_compliance",
        "符合率 =（符合 + 0.5 × 部分符合）/（评估项 − 不适用）；未作答视为不符合。",
        "Compliance rate = (compliant + 0.5 × partially compliant) / (requirements − not applicable); unanswered counts as not met.",
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
