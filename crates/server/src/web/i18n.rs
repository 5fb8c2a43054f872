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
    // Registry and filing (issue 8): operator registry, filings, risk assessment reports.
    ("registry", "单位档案", "Registry"),
    ("filings", "备案与报告", "Filings"),
    ("profile", "单位信息", "Profile"),
    ("edit_profile", "更新单位信息", "Update the profile"),
    ("no_profile", "尚未填报单位信息", "No profile yet"),
    ("legal_name", "单位名称", "Legal name"),
    ("uscc", "统一社会信用代码", "Unified social credit code"),
    ("industry", "所属行业", "Industry"),
    ("region", "所在地区", "Region"),
    (
        "security_officer",
        "数据安全负责人",
        "Data security officer",
    ),
    ("contacts", "联系人", "Contacts"),
    (
        "contacts_hint",
        "每行一人：姓名, 职务, 电话, 邮箱",
        "one a line: name, title, phone, e-mail",
    ),
    ("contact_title", "职务", "Title"),
    ("phone", "电话", "Phone"),
    ("email", "邮箱", "E-mail"),
    ("systems", "信息系统", "Systems"),
    ("one_per_line", "每行一个", "one a line"),
    ("version", "版本", "Version"),
    ("versions", "版本", "Versions"),
    ("key_operator", "重点企业", "Key operator"),
    ("key_operator_list", "重点企业名录", "Key-operator list"),
    (
        "key_add",
        "列入重点企业名录",
        "Add to the key-operator list",
    ),
    (
        "key_remove",
        "移出重点企业名录",
        "Remove from the key-operator list",
    ),
    ("key_decisions", "名录调整记录", "Key-operator decisions"),
    ("decision", "决定", "Decision"),
    ("filing_status", "备案状态", "Filing status"),
    ("yes", "是", "Yes"),
    ("no", "否", "No"),
    (
        "filing_kind_filing",
        "数据安全信息备案",
        "Data security filing",
    ),
    (
        "filing_kind_risk_report",
        "风险评估报告",
        "Risk assessment report",
    ),
    ("status_none", "未备案", "Not filed"),
    ("status_draft", "草稿", "Draft"),
    ("status_submitted", "已提交", "Submitted"),
    ("status_under_review", "审核中", "Under review"),
    ("status_returned", "已退回", "Returned"),
    ("status_resubmitted", "已重新提交", "Resubmitted"),
    ("status_accepted", "已通过", "Accepted"),
    ("event_submit", "提交", "Submit"),
    ("event_start_review", "开始审核", "Start the review"),
    ("event_return", "退回修改", "Return with comments"),
    ("event_resubmit", "重新提交", "Resubmit"),
    ("event_accept", "审核通过", "Accept"),
    ("event_amend", "变更备案", "Amend"),
    ("event", "操作", "Event"),
    ("title", "标题", "Title"),
    ("updated", "更新时间", "Updated"),
    ("new_filing", "新建备案或报告", "Start a filing or report"),
    (
        "new_filing_hint",
        "每个单位一份备案，此后以变更备案更新；风险评估报告每年一份，按数据资产清单和已通过的备案预填。",
        "One filing per operator, amended over time; a risk assessment report each year, pre-filled from the inventory and the accepted filing.",
    ),
    ("create", "新建", "Create"),
    ("optional", "选填", "optional"),
    (
        "report_due_soon",
        "年度风险评估报告即将到期：",
        "The yearly risk assessment report is due soon:",
    ),
    (
        "report_overdue",
        "年度风险评估报告已逾期，截止时间：",
        "The yearly risk assessment report is overdue since",
    ),
    (
        "report_next_due",
        "下一份风险评估报告截止时间：",
        "Next risk assessment report due:",
    ),
    ("days_left", "天", "days left"),
    ("workflow", "审核流程", "Workflow"),
    (
        "no_action_now",
        "当前无可执行的操作",
        "Nothing for you to do now",
    ),
    ("accepted_version", "已通过版本", "Accepted version"),
    ("changes", "变更内容", "Changes"),
    (
        "review_history",
        "流转记录与审核意见",
        "Workflow history and review comments",
    ),
    ("activities", "数据处理活动", "Processing activities"),
    (
        "add_activity",
        "添加数据处理活动",
        "Add a processing activity",
    ),
    ("purpose", "处理目的", "Purpose"),
    ("method", "处理方式", "Method"),
    ("scope", "处理范围", "Scope"),
    ("data_kinds", "数据种类", "Kinds of data"),
    ("volume", "数据规模", "Volume"),
    ("volume_rows", "数据量（行）", "Volume (rows)"),
    ("retention", "存储期限", "Retention"),
    ("cross_border", "向境外提供", "Transferred abroad"),
    ("cross_border_basis", "出境依据", "Basis of the transfer"),
    ("measures", "安全保护措施", "Security measures"),
    ("add", "添加", "Add"),
    ("remove", "删除", "Remove"),
    (
        "catalog_important",
        "重要数据目录",
        "Important-data catalog",
    ),
    ("catalog_core", "核心数据目录", "Core-data catalog"),
    (
        "pick_catalog",
        "从数据资产清单选取目录",
        "Pick the catalogs from the inventory",
    ),
    (
        "pick_catalog_hint",
        "列出已复核为重要数据或核心数据的字段；按复核级别分别归入重要数据目录或核心数据目录。",
        "Columns reviewed as important or core data; each goes to the important-data or core-data catalog by its reviewed level.",
    ),
    (
        "no_candidates",
        "数据资产清单中暂无已复核的重要数据或核心数据字段",
        "No column of the inventory is reviewed as important or core data yet",
    ),
    ("table_name", "表", "Table"),
    ("column_name", "字段", "Column"),
    ("survey", "基本情况调查", "Survey"),
    (
        "important_data_kinds",
        "重要数据种类",
        "Kinds of important data",
    ),
    (
        "important_data_volume",
        "重要数据量（行）",
        "Important data (rows)",
    ),
    ("core_data_kinds", "核心数据种类", "Kinds of core data"),
    ("core_data_volume", "核心数据量（行）", "Core data (rows)"),
    ("risks", "风险识别", "Identified risks"),
    ("add_risk", "添加风险", "Add a risk"),
    ("risk_area", "识别方面", "Area"),
    ("risk_source", "风险源", "Risk source"),
    ("risk_sources", "风险源清单", "Risk-source list"),
    ("description", "描述", "Description"),
    ("severity", "风险等级", "Severity"),
    ("treatment", "处置措施", "Treatment"),
    ("evaluation", "风险评价", "Evaluation"),
    ("rectification", "整改措施", "Rectification"),
    (
        "area_management",
        "数据安全管理",
        "Data security management",
    ),
    ("area_processing", "数据处理活动", "Processing activities"),
    ("area_technology", "数据安全技术", "Technology"),
    (
        "area_personal_information",
        "个人信息保护",
        "Personal information",
    ),
    ("severity_low", "低", "Low"),
    ("severity_medium", "中", "Medium"),
    ("severity_high", "高", "High"),
    ("severity_critical", "极高", "Critical"),
    ("section", "部分", "Section"),
    ("item", "条目", "Item"),
    ("change", "变化", "Change"),
    ("fields", "字段变化", "Fields"),
    (
        "no_changes",
        "两个版本没有差异",
        "The two versions are the same",
    ),
    ("change_added", "新增", "Added"),
    ("change_removed", "删除", "Removed"),
    ("change_changed", "修改", "Changed"),
    (
        "section_activities",
        "数据处理活动",
        "Processing activities",
    ),
    (
        "section_important_catalog",
        "重要数据目录",
        "Important-data catalog",
    ),
    ("section_core_catalog", "核心数据目录", "Core-data catalog"),
    ("section_survey", "基本情况调查", "Survey"),
    ("section_risks", "风险识别", "Risks"),
    (
        "section_conclusions",
        "评价与整改",
        "Evaluation and rectification",
    ),
    ("review_comment", "意见", "Comments"),
    ("profile_history", "变更记录", "Profile history"),
    ("field_name", "名称", "name"),
    ("field_purpose", "处理目的", "purpose"),
    ("field_method", "处理方式", "method"),
    ("field_scope", "处理范围", "scope"),
    ("field_data_kinds", "数据种类", "kinds of data"),
    ("field_volume", "数据规模", "volume"),
    ("field_retention", "存储期限", "retention"),
    ("field_cross_border", "向境外提供", "transferred abroad"),
    (
        "field_cross_border_basis",
        "出境依据",
        "basis of the transfer",
    ),
    ("field_measures", "安全保护措施", "security measures"),
    ("field_column_id", "字段编号", "column id"),
    ("field_system", "信息系统", "system"),
    ("field_source", "数据源", "source"),
    ("field_table", "表", "table"),
    ("field_column", "字段", "column"),
    ("field_entity", "识别类型", "entity"),
    ("field_category", "类别", "category"),
    ("field_level", "级别", "level"),
    ("field_location", "位置", "location"),
    ("field_reference", "编号", "reference"),
    ("field_area", "识别方面", "area"),
    ("field_description", "描述", "description"),
    ("field_severity", "风险等级", "severity"),
    ("field_treatment", "处置措施", "treatment"),
    (
        "field_important_data_kinds",
        "重要数据种类",
        "kinds of important data",
    ),
    (
        "field_important_data_volume",
        "重要数据量",
        "important data volume",
    ),
    (
        "field_core_data_kinds",
        "核心数据种类",
        "kinds of core data",
    ),
    ("field_core_data_volume", "核心数据量", "core data volume"),
    ("field_systems", "信息系统", "systems"),
    ("field_activities", "数据处理活动", "processing activities"),
    ("field_evaluation", "风险评价", "evaluation"),
    ("field_rectification", "整改措施", "rectification"),
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
