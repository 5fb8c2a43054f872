//! Who may do what, decided in one place ([`authorize`]), and the credentials that say who
//! someone is: argon2id password hashes, session and API tokens stored as SM3 digests.

use argon2::{Algorithm, Argon2, Params, PasswordHasher as _, PasswordVerifier as _, Version};
use serde::Serialize;

use crate::error::Error;

/// What an organisation is on the platform.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// The platform operator itself; its admins administer everything.
    Platform,
    /// A supervising body (网信办, 通信管理局, 大数据局) with operators under it.
    Regulator,
    /// A data processor (数据处理者) supervised by one regulator.
    Operator,
}

impl OrgKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Platform => "platform",
            OrgKind::Regulator => "regulator",
            OrgKind::Operator => "operator",
        }
    }

    pub fn parse(text: &str) -> Option<OrgKind> {
        [OrgKind::Platform, OrgKind::Regulator, OrgKind::Operator]
            .into_iter()
            .find(|k| k.as_str() == text)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    PlatformAdmin,
    /// 监管人员: reads the operators in the regulator's jurisdiction.
    RegulatorStaff,
    /// 数据安全负责人.
    SecurityOfficer,
    /// 数据管理员.
    DataAdmin,
    /// Read-only, plus the audit trail.
    Auditor,
    /// 外包服务提供商: reads the inventory of the systems its operator granted it, nothing else.
    Vendor,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::PlatformAdmin,
        Role::RegulatorStaff,
        Role::SecurityOfficer,
        Role::DataAdmin,
        Role::Auditor,
        Role::Vendor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::PlatformAdmin => "platform_admin",
            Role::RegulatorStaff => "regulator_staff",
            Role::SecurityOfficer => "security_officer",
            Role::DataAdmin => "data_admin",
            Role::Auditor => "auditor",
            Role::Vendor => "vendor",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text)
    }

    /// The kind of organisation a user with this role must belong to.
    pub fn home_kind(self) -> &'static [OrgKind] {
        match self {
            Role::PlatformAdmin => &[OrgKind::Platform],
            Role::RegulatorStaff => &[OrgKind::Regulator],
            Role::Auditor => &[OrgKind::Regulator, OrgKind::Operator],
            Role::SecurityOfficer | Role::DataAdmin | Role::Vendor => &[OrgKind::Operator],
        }
    }
}

/// Everything a request can ask to do to an organisation's records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// See the organisation, its data sources, jobs, inventory and dashboard figures.
    ViewInventory,
    /// See masked sample values of a column (audited).
    ViewSamples,
    /// Confirm or correct a label.
    ReviewLabel,
    /// Add or remove data sources.
    ManageSources,
    /// Start or cancel scan jobs.
    RunScan,
    /// Read the audit trail entries about the organisation.
    ViewAudit,
    /// Create users in the organisation.
    ManageUsers,
    /// Read an operator's registry profile, filings and risk assessment reports.
    ViewFilings,
    /// Keep the operator's profile current and edit its filing and report drafts.
    PrepareFilings,
    /// Submit a filing or report to the regulator (the security officer only).
    SubmitFilings,
    /// Review an operator's filings and reports and keep the key-operator list (the
    /// regulator with jurisdiction only).
    Supervise,
    /// See assessments (questionnaire answers, evidence, conclusions) and campaign reports.
    ViewAssessment,
    /// Answer and submit the organisation's own assessments.
    AnswerAssessment,
    /// Send campaigns (on the regulator itself) and record review conclusions (on its
    /// operators): regulator work, never an operator's on itself.
    ManageCampaigns,
    /// See the organisation's incidents, their grades, deadlines and timelines.
    ViewIncidents,
    /// Report an incident, add to its timeline, end its handling, file its close-out report.
    ReportIncident,
    /// Supervise an operator's incidents: record the report forwarded to the national level,
    /// add notes (regulator staff, over the operators in the jurisdiction).
    SuperviseIncidents,
    /// See inspections, findings, rectification orders and interviews (an operator: those
    /// about itself).
    ViewInspections,
    /// Plan inspections and draw them (on the regulator itself); record findings, issue,
    /// verify and send back rectification orders, record interviews (on its operators).
    Inspect,
    /// Answer the operator's own rectification orders with evidence.
    AnswerRectification,
    /// See notices sent or received, complaints handled, emergency plans and drills.
    ViewSupervision,
    /// An operator's own side of supervision: acknowledge notices, keep emergency plans and
    /// drills on file.
    RespondSupervision,
    /// Register the organisation's webhooks and read their delivery log.
    ManageWebhooks,
}

/// An organisation as authorisation sees it.
#[derive(Clone, Debug, Serialize)]
pub struct OrgRef {
    pub id: i64,
    pub kind: OrgKind,
    /// For an operator: the regulator whose jurisdiction it is in.
    pub regulator_id: Option<i64>,
}

/// The signed-in user making a request.
#[derive(Clone, Debug, Serialize)]
pub struct Actor {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub org: OrgRef,
    pub org_name: String,
    /// For a vendor: the systems (信息系统) of its operator whose inventory it was granted,
    /// live now (neither expired nor revoked). Empty for every other role.
    pub granted_systems: Vec<i64>,
}

/// How the actor relates to the organisation that owns a resource.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Relation {
    /// Platform admin over anything.
    Platform,
    /// The actor's own organisation.
    Own,
    /// An operator in the actor's regulator's jurisdiction.
    Supervised,
}

/// The single authorisation decision: may `actor` do `action` to records owned by
/// `resource_org`? An operator's users only ever reach their own organisation; a regulator's
/// only the operators under it; everything else is refused.
pub fn authorize(actor: &Actor, action: Action, resource_org: &OrgRef) -> bool {
    let relation = if actor.role == Role::PlatformAdmin && actor.org.kind == OrgKind::Platform {
        Relation::Platform
    } else if actor.org.id == resource_org.id {
        Relation::Own
    } else if actor.org.kind == OrgKind::Regulator
        && resource_org.kind == OrgKind::Operator
        && resource_org.regulator_id == Some(actor.org.id)
    {
        Relation::Supervised
    } else {
        return false;
    };
    use Action::*;
    match (actor.role, relation) {
        // The platform's admin neither files as an operator nor reviews as a regulator, nor
        // reports or forwards incidents for them, nor inspects or answers orders.
        (Role::PlatformAdmin, Relation::Platform) => !matches!(
            action,
            SubmitFilings
                | Supervise
                | ReportIncident
                | SuperviseIncidents
                | Inspect
                | AnswerRectification
        ),
        (Role::RegulatorStaff, Relation::Own | Relation::Supervised) => {
            matches!(
                action,
                ViewInventory
                    | ViewAudit
                    | ViewFilings
                    | ViewAssessment
                    | ManageCampaigns
                    | ViewIncidents
                    | ViewInspections
                    | Inspect
                    | ViewSupervision
            ) || (matches!(action, Supervise | SuperviseIncidents)
                && relation == Relation::Supervised)
                || (action == ManageWebhooks && relation == Relation::Own)
        }
        (Role::Auditor, Relation::Own | Relation::Supervised) => {
            matches!(
                action,
                ViewInventory
                    | ViewAudit
                    | ViewFilings
                    | ViewAssessment
                    | ViewIncidents
                    | ViewInspections
                    | ViewSupervision
            )
        }
        (Role::SecurityOfficer, Relation::Own) => !matches!(
            action,
            Supervise | ManageCampaigns | SuperviseIncidents | Inspect
        ),
        (Role::DataAdmin, Relation::Own) => !matches!(
            action,
            ViewAudit
                | ManageUsers
                | SubmitFilings
                | Supervise
                | ManageCampaigns
                | SuperviseIncidents
                | Inspect
                | ManageWebhooks
        ),
        // A vendor reaches nothing organisation-wide; see `authorize_in_system`.
        _ => false,
    }
}

/// [`authorize`] for a record that belongs to one system (信息系统) of an organisation: an
/// inventory table or column. On top of what `authorize` allows, a vendor may view the
/// inventory of the systems its operator granted it (and nothing else: no samples, no
/// sources, no jobs).
pub fn authorize_in_system(
    actor: &Actor,
    action: Action,
    resource_org: &OrgRef,
    system_id: i64,
) -> bool {
    authorize(actor, action, resource_org)
        || (actor.role == Role::Vendor
            && action == Action::ViewInventory
            && actor.org.id == resource_org.id
            && actor.granted_systems.contains(&system_id))
}

/// Like [`authorize`], as a result: a resource the actor may not even view is `NotFound`
/// (so other tenants' ids reveal nothing); one it may view but not change is `Forbidden`.
pub fn require(actor: &Actor, action: Action, resource_org: &OrgRef) -> Result<(), Error> {
    refusal(
        authorize(actor, action, resource_org),
        authorize(actor, Action::ViewInventory, resource_org),
    )
}

/// [`require`] for a record of one system, decided by [`authorize_in_system`].
pub fn require_in_system(
    actor: &Actor,
    action: Action,
    resource_org: &OrgRef,
    system_id: i64,
) -> Result<(), Error> {
    refusal(
        authorize_in_system(actor, action, resource_org, system_id),
        authorize_in_system(actor, Action::ViewInventory, resource_org, system_id),
    )
}

fn refusal(allowed: bool, viewable: bool) -> Result<(), Error> {
    match (allowed, viewable) {
        (true, _) => Ok(()),
        (false, true) => Err(Error::Forbidden),
        (false, false) => Err(Error::NotFound),
    }
}

/// argon2id with the given cost. The stored PHC string carries its own parameters, so a
/// change of cost applies to new hashes and old ones still verify.
#[derive(Clone)]
pub struct PasswordHasher {
    argon2: Argon2<'static>,
}

impl PasswordHasher {
    /// `memory_kib` and `iterations` per OWASP's argon2id guidance (19 MiB, 2) by default.
    pub fn new(memory_kib: u32, iterations: u32) -> Result<PasswordHasher, Error> {
        let params = Params::new(memory_kib, iterations, 1, None)
            .map_err(|e| Error::Config(format!("argon2 parameters: {e}")))?;
        Ok(PasswordHasher {
            argon2: Argon2::new(Algorithm::Argon2id, Version::V0x13, params),
        })
    }

    pub fn hash(&self, password: &str) -> Result<String, Error> {
        let salt = crate::random_bytes::<16>();
        self.argon2
            .hash_password_with_salt(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::Secret(format!("hashing a password: {e}")))
    }

    pub fn verify(&self, password: &str, stored: &str) -> bool {
        self.argon2
            .verify_password(password.as_bytes(), stored)
            .is_ok()
    }
}

/// What is stored for a session or API token: its SM3 digest, so a copy of the database
/// does not hold usable credentials.
pub fn token_digest(token: &str) -> String {
    shuan_protect::sm3_digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Constant-time comparison for CSRF tokens.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role, org: OrgRef) -> Actor {
        Actor {
            user_id: 1,
            username: "u".into(),
            display_name: "u".into(),
            role,
            org,
            org_name: "o".into(),
            granted_systems: Vec::new(),
        }
    }

    fn operator(id: i64, regulator: i64) -> OrgRef {
        OrgRef {
            id,
            kind: OrgKind::Operator,
            regulator_id: Some(regulator),
        }
    }

    fn regulator(id: i64) -> OrgRef {
        OrgRef {
            id,
            kind: OrgKind::Regulator,
            regulator_id: None,
        }
    }

    #[test]
    fn operators_never_reach_each_other() {
        for role in [
            Role::SecurityOfficer,
            Role::DataAdmin,
            Role::Auditor,
            Role::Vendor,
        ] {
            let a = actor(role, operator(10, 1));
            for action in [
                Action::ViewInventory,
                Action::ViewSamples,
                Action::ReviewLabel,
                Action::ManageSources,
                Action::RunScan,
                Action::ViewAudit,
                Action::ManageUsers,
                Action::ViewFilings,
                Action::PrepareFilings,
                Action::SubmitFilings,
                Action::Supervise,
                Action::ViewAssessment,
                Action::AnswerAssessment,
                Action::ManageCampaigns,
                Action::ViewIncidents,
                Action::ReportIncident,
                Action::SuperviseIncidents,
                Action::ViewInspections,
                Action::Inspect,
                Action::AnswerRectification,
                Action::ViewSupervision,
                Action::RespondSupervision,
                Action::ManageWebhooks,
            ] {
                assert!(
                    !authorize(&a, action, &operator(11, 1)),
                    "{role:?} {action:?}"
                );
                assert!(!authorize(&a, action, &regulator(1)), "{role:?} {action:?}");
            }
        }
    }

    #[test]
    fn regulators_read_only_their_jurisdiction() {
        let staff = actor(Role::RegulatorStaff, regulator(1));
        assert!(authorize(&staff, Action::ViewInventory, &operator(10, 1)));
        assert!(!authorize(&staff, Action::ViewInventory, &operator(20, 2)));
        assert!(!authorize(&staff, Action::ReviewLabel, &operator(10, 1)));
        assert!(!authorize(&staff, Action::ViewSamples, &operator(10, 1)));
        assert!(authorize(&staff, Action::ManageCampaigns, &operator(10, 1)));
        assert!(!authorize(
            &staff,
            Action::ManageCampaigns,
            &operator(20, 2)
        ));
        assert!(!authorize(
            &staff,
            Action::AnswerAssessment,
            &operator(10, 1)
        ));
        assert!(authorize(
            &staff,
            Action::SuperviseIncidents,
            &operator(10, 1)
        ));
        assert!(!authorize(
            &staff,
            Action::SuperviseIncidents,
            &operator(20, 2)
        ));
        assert!(!authorize(&staff, Action::ReportIncident, &operator(10, 1)));
    }

    #[test]
    fn operators_answer_assessments_but_never_conclude_them() {
        let org = operator(10, 1);
        for role in [Role::SecurityOfficer, Role::DataAdmin] {
            let a = actor(role, org.clone());
            assert!(authorize(&a, Action::AnswerAssessment, &org), "{role:?}");
            assert!(!authorize(&a, Action::ManageCampaigns, &org), "{role:?}");
        }
        let vendor = actor(Role::Vendor, org.clone());
        assert!(!authorize(&vendor, Action::ViewAssessment, &org));
        let auditor = actor(Role::Auditor, org.clone());
        assert!(authorize(&auditor, Action::ViewAssessment, &org));
        assert!(!authorize(&auditor, Action::AnswerAssessment, &org));
    }

    #[test]
    fn incidents_are_reported_by_operators_and_supervised_by_their_regulator() {
        let org = operator(10, 1);
        for role in [Role::SecurityOfficer, Role::DataAdmin] {
            let staff = actor(role, org.clone());
            assert!(authorize(&staff, Action::ReportIncident, &org), "{role:?}");
            assert!(
                !authorize(&staff, Action::SuperviseIncidents, &org),
                "{role:?}"
            );
        }
        let vendor = actor(Role::Vendor, org.clone());
        assert!(!authorize(&vendor, Action::ViewIncidents, &org));
        let auditor = actor(Role::Auditor, org.clone());
        assert!(authorize(&auditor, Action::ViewIncidents, &org));
        assert!(!authorize(&auditor, Action::ReportIncident, &org));
    }

    #[test]
    fn roles_within_an_operator() {
        let org = operator(10, 1);
        let vendor = actor(Role::Vendor, org.clone());
        assert!(!authorize(&vendor, Action::ViewInventory, &org));
        assert!(!authorize(&vendor, Action::RunScan, &org));
        let data_admin = actor(Role::DataAdmin, org.clone());
        assert!(authorize(&data_admin, Action::ReviewLabel, &org));
        assert!(!authorize(&data_admin, Action::ViewAudit, &org));
        let auditor = actor(Role::Auditor, org.clone());
        assert!(authorize(&auditor, Action::ViewAudit, &org));
        assert!(!authorize(&auditor, Action::ManageSources, &org));
    }

    #[test]
    fn vendors_view_only_the_inventory_of_granted_systems() {
        let org = operator(10, 1);
        let mut vendor = actor(Role::Vendor, org.clone());
        vendor.granted_systems = vec![7];
        assert!(authorize_in_system(&vendor, Action::ViewInventory, &org, 7));
        assert!(!authorize_in_system(
            &vendor,
            Action::ViewInventory,
            &org,
            8
        ));
        for action in [Action::ViewSamples, Action::ReviewLabel, Action::RunScan] {
            assert!(!authorize_in_system(&vendor, action, &org, 7), "{action:?}");
        }
        // A grant never reaches past the vendor's own operator, even with a system id that
        // happens to match.
        assert!(!authorize_in_system(
            &vendor,
            Action::ViewInventory,
            &operator(11, 1),
            7
        ));
        assert!(matches!(
            require_in_system(&vendor, Action::ViewSamples, &org, 7),
            Err(Error::Forbidden)
        ));
        assert!(matches!(
            require_in_system(&vendor, Action::ViewInventory, &org, 8),
            Err(Error::NotFound)
        ));
        // Other roles are unchanged by the system.
        let officer = actor(Role::SecurityOfficer, org.clone());
        assert!(authorize_in_system(&officer, Action::ViewSamples, &org, 8));
    }

    #[test]
    fn only_the_officer_submits_and_only_the_jurisdiction_supervises() {
        let org = operator(10, 1);
        let officer = actor(Role::SecurityOfficer, org.clone());
        assert!(authorize(&officer, Action::SubmitFilings, &org));
        assert!(!authorize(&officer, Action::Supervise, &org));
        let data_admin = actor(Role::DataAdmin, org.clone());
        assert!(authorize(&data_admin, Action::PrepareFilings, &org));
        assert!(!authorize(&data_admin, Action::SubmitFilings, &org));
        let vendor = actor(Role::Vendor, org.clone());
        assert!(!authorize(&vendor, Action::ViewFilings, &org));
        let staff = actor(Role::RegulatorStaff, regulator(1));
        assert!(authorize(&staff, Action::Supervise, &org));
        assert!(!authorize(&staff, Action::Supervise, &regulator(1)));
        assert!(!authorize(&staff, Action::Supervise, &operator(20, 2)));
        assert!(!authorize(&staff, Action::PrepareFilings, &org));
        let regulator_auditor = actor(Role::Auditor, regulator(1));
        assert!(authorize(&regulator_auditor, Action::ViewFilings, &org));
        assert!(!authorize(&regulator_auditor, Action::Supervise, &org));
        let admin = actor(
            Role::PlatformAdmin,
            OrgRef {
                id: 0,
                kind: OrgKind::Platform,
                regulator_id: None,
            },
        );
        assert!(!authorize(&admin, Action::Supervise, &org));
        assert!(!authorize(&admin, Action::SubmitFilings, &org));
    }

    #[test]
    fn supervision_work_is_split_between_regulator_and_operator() {
        let org = operator(10, 1);
        let staff = actor(Role::RegulatorStaff, regulator(1));
        assert!(authorize(&staff, Action::ViewSupervision, &org));
        assert!(!authorize(&staff, Action::RespondSupervision, &org));
        assert!(authorize(&staff, Action::ManageWebhooks, &regulator(1)));
        assert!(!authorize(&staff, Action::ManageWebhooks, &org));
        assert!(!authorize(
            &staff,
            Action::ViewSupervision,
            &operator(20, 2)
        ));
        let officer = actor(Role::SecurityOfficer, org.clone());
        assert!(authorize(&officer, Action::RespondSupervision, &org));
        assert!(authorize(&officer, Action::ManageWebhooks, &org));
        let data_admin = actor(Role::DataAdmin, org.clone());
        assert!(authorize(&data_admin, Action::RespondSupervision, &org));
        assert!(!authorize(&data_admin, Action::ManageWebhooks, &org));
        let vendor = actor(Role::Vendor, org.clone());
        assert!(!authorize(&vendor, Action::ViewSupervision, &org));
        let auditor = actor(Role::Auditor, org.clone());
        assert!(authorize(&auditor, Action::ViewSupervision, &org));
        assert!(!authorize(&auditor, Action::RespondSupervision, &org));
    }

    #[test]
    fn only_the_jurisdiction_inspects_and_only_the_operator_answers() {
        let org = operator(10, 1);
        let staff = actor(Role::RegulatorStaff, regulator(1));
        assert!(authorize(&staff, Action::Inspect, &regulator(1)));
        assert!(authorize(&staff, Action::Inspect, &org));
        assert!(!authorize(&staff, Action::Inspect, &operator(20, 2)));
        assert!(!authorize(
            &staff,
            Action::ViewInspections,
            &operator(20, 2)
        ));
        assert!(!authorize(&staff, Action::AnswerRectification, &org));
        for role in [Role::SecurityOfficer, Role::DataAdmin] {
            let a = actor(role, org.clone());
            assert!(authorize(&a, Action::AnswerRectification, &org), "{role:?}");
            assert!(!authorize(&a, Action::Inspect, &org), "{role:?}");
        }
        for role in [Role::Auditor, Role::Vendor] {
            let a = actor(role, org.clone());
            assert!(
                !authorize(&a, Action::AnswerRectification, &org),
                "{role:?}"
            );
        }
        assert!(authorize(
            &actor(Role::Auditor, org.clone()),
            Action::ViewInspections,
            &org
        ));
        assert!(!authorize(
            &actor(Role::Vendor, org.clone()),
            Action::ViewInspections,
            &org
        ));
        let regulator_auditor = actor(Role::Auditor, regulator(1));
        assert!(authorize(&regulator_auditor, Action::ViewInspections, &org));
        assert!(!authorize(&regulator_auditor, Action::Inspect, &org));
    }

    #[test]
    fn passwords_verify_only_themselves() {
        let hasher = PasswordHasher::new(1024, 1).unwrap();
        let stored = hasher.hash("correct horse").unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(hasher.verify("correct horse", &stored));
        assert!(!hasher.verify("wrong", &stored));
        assert!(!hasher.verify("x", "not a hash"));
    }
}
