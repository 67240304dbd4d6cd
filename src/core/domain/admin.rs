//! What the admin pages show (the core's part): accounts, dead-lettered mail, the audit
//! log, a member's ledger. Plain data for both targets.
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub admin: bool,
    pub verified: bool,
    pub banned: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadMailRow {
    pub id: i64,
    pub recipient: String,
    pub kind: String,
    pub attempts: i64,
    pub last_error: String,
    pub dead: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub who: String,
    pub what: String,
    pub subject: String,
    pub detail: String,
    pub when: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerRow {
    pub what: String,
    pub memo: String,
    pub amount: String,
    pub when: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberLedger {
    pub email: String,
    pub credit: String,
    pub earnings: String,
    pub credit_lines: Vec<LedgerRow>,
    pub earnings_lines: Vec<LedgerRow>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminHome {
    pub users: Vec<UserRow>,
    pub dead_mail: Vec<DeadMailRow>,
    pub audit_log: Vec<AuditRow>,
    pub member_ledger: Option<MemberLedger>,
}
