//! The permission matrix, read from `docs/permissions.md`.
//!
//! The file is compiled in, and the table between its `matrix:begin` and `matrix:end`
//! markers is parsed once. A table that does not parse denies everything (and the unit
//! test below fails), so a broken edit of the document can never open access.

use crate::Role;
use std::sync::LazyLock;

/// The document the rules come from.
const PERMISSIONS_MD: &str = include_str!("../../../docs/permissions.md");

/// Something a member may or may not do; one row of the matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    /// Receive and keep a customer.
    Read,
    /// Create a customer.
    Create,
    /// Change the record's own fields.
    EditRecord,
    /// Add, edit or remove contacts.
    EditContacts,
    /// Move between potential, intent and dormant.
    ChangeStage,
    /// Move to or from won or lost.
    MarkWonOrLost,
    /// Set or change the deal.
    ChangeDeal,
    /// Add a follow-up.
    AddFollowUp,
    /// Add a service record.
    AddServiceRecord,
    /// Add an order.
    AddOrder,
    /// Add a task.
    AddTask,
    /// Mark a task done.
    CompleteTask,
    /// Change or remove existing activity.
    EditActivity,
    /// Change the owner.
    Reassign,
    /// Archive or restore.
    Archive,
    /// Merge customers.
    Merge,
    /// Change tag rules.
    ChangeRules,
    /// Change tier settings.
    ChangeTiers,
    /// Append one's own audit entry.
    AppendAudit,
    /// Change or remove an audit entry.
    ChangeAudit,
}

impl Action {
    /// Every action, in the matrix's order.
    pub const ALL: [Action; 20] = [
        Action::Read,
        Action::Create,
        Action::EditRecord,
        Action::EditContacts,
        Action::ChangeStage,
        Action::MarkWonOrLost,
        Action::ChangeDeal,
        Action::AddFollowUp,
        Action::AddServiceRecord,
        Action::AddOrder,
        Action::AddTask,
        Action::CompleteTask,
        Action::EditActivity,
        Action::Reassign,
        Action::Archive,
        Action::Merge,
        Action::ChangeRules,
        Action::ChangeTiers,
        Action::AppendAudit,
        Action::ChangeAudit,
    ];

    /// The row's name in the matrix.
    pub fn name(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::Create => "create",
            Action::EditRecord => "edit record",
            Action::EditContacts => "edit contacts",
            Action::ChangeStage => "change stage",
            Action::MarkWonOrLost => "mark won or lost",
            Action::ChangeDeal => "change deal",
            Action::AddFollowUp => "add follow-up",
            Action::AddServiceRecord => "add service record",
            Action::AddOrder => "add order",
            Action::AddTask => "add task",
            Action::CompleteTask => "complete task",
            Action::EditActivity => "edit activity",
            Action::Reassign => "reassign",
            Action::Archive => "archive",
            Action::Merge => "merge",
            Action::ChangeRules => "change rules",
            Action::ChangeTiers => "change tiers",
            Action::AppendAudit => "append audit",
            Action::ChangeAudit => "change audit",
        }
    }

    /// What a refusal says the role cannot do: "cannot {this}".
    pub fn refused(self) -> &'static str {
        match self {
            Action::Read => "read this customer",
            Action::Create => "create this customer",
            Action::EditRecord => "edit this customer's record",
            Action::EditContacts => "edit this customer's contacts",
            Action::ChangeStage => "change this customer's stage",
            Action::MarkWonOrLost => "mark customers won or lost",
            Action::ChangeDeal => "change deal amounts, dates or contract numbers",
            Action::AddFollowUp => "add follow-ups to this customer",
            Action::AddServiceRecord => "add service records to this customer",
            Action::AddOrder => "add orders",
            Action::AddTask => "add tasks to this customer",
            Action::CompleteTask => "complete this customer's tasks",
            Action::EditActivity => "change or remove existing follow-ups, service records, orders or tasks",
            Action::Reassign => "reassign customers",
            Action::Archive => "archive or restore customers",
            Action::Merge => "merge customers",
            Action::ChangeRules => "change tag rules",
            Action::ChangeTiers => "change tier settings",
            Action::AppendAudit => "add to the audit log",
            Action::ChangeAudit => "change or remove audit log entries",
        }
    }

    fn from_name(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.name() == name)
    }
}

/// The customers a role may do an action on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    /// None.
    No,
    /// Customers the member owns.
    Own,
    /// Customers owned by the member or a member sharing one of their groups.
    Group,
    /// Every customer.
    All,
}

impl Scope {
    fn parse(cell: &str) -> Option<Scope> {
        match cell {
            "no" => Some(Scope::No),
            "own" => Some(Scope::Own),
            "group" => Some(Scope::Group),
            "all" => Some(Scope::All),
            _ => None,
        }
    }
}

/// The matrix: a scope per action and role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Matrix {
    cells: Vec<[Scope; 4]>,
}

fn role_column(role: Role) -> usize {
    match role {
        Role::SalesRep => 0,
        Role::CustomerService => 1,
        Role::Manager => 2,
        Role::Admin => 3,
    }
}

impl Matrix {
    /// The scope of `action` for `role`.
    pub fn scope(&self, role: Role, action: Action) -> Scope {
        let row = Action::ALL.iter().position(|a| *a == action).unwrap_or(0);
        self.cells.get(row).map_or(Scope::No, |r| r[role_column(role)])
    }

    /// Reads the table between the markers of a permissions document. Every action must
    /// have exactly one row, the columns must be the four roles in order, and every cell
    /// one of `no`, `own`, `group`, `all`.
    pub fn parse(doc: &str) -> Result<Matrix, String> {
        let begin = doc.find("<!-- matrix:begin -->").ok_or("no `<!-- matrix:begin -->` marker")?;
        let end = doc.find("<!-- matrix:end -->").ok_or("no `<!-- matrix:end -->` marker")?;
        let table = doc.get(begin..end).ok_or("the end marker comes before the begin marker")?;
        let mut rows = table.lines().skip(1).map(str::trim).filter(|l| l.starts_with('|'));
        let cells =
            |line: &str| -> Vec<String> { line.trim_matches('|').split('|').map(|c| c.trim().to_string()).collect() };
        let header = cells(rows.next().ok_or("no header row")?);
        let want: Vec<String> =
            ["action", "sales rep", "customer service", "manager", "admin"].iter().map(|s| s.to_string()).collect();
        if header != want {
            return Err(format!("the header row is {header:?}, expected {want:?}"));
        }
        rows.next().ok_or("no separator row")?;
        let mut found: Vec<Option<[Scope; 4]>> = vec![None; Action::ALL.len()];
        for line in rows {
            let c = cells(line);
            let [name, a, b, m, d] = c.as_slice() else {
                return Err(format!("the row `{line}` does not have five cells"));
            };
            let action = Action::from_name(name).ok_or_else(|| format!("unknown action `{name}`"))?;
            let scope = |cell: &str| Scope::parse(cell).ok_or_else(|| format!("`{name}`: unknown scope `{cell}`"));
            let row = [scope(a)?, scope(b)?, scope(m)?, scope(d)?];
            let slot = &mut found[Action::ALL.iter().position(|x| *x == action).unwrap_or(0)];
            if slot.replace(row).is_some() {
                return Err(format!("the action `{name}` has two rows"));
            }
        }
        let mut out = Vec::with_capacity(found.len());
        for (row, action) in found.into_iter().zip(Action::ALL) {
            out.push(row.ok_or_else(|| format!("the action `{}` has no row", action.name()))?);
        }
        Ok(Matrix { cells: out })
    }

    /// A matrix that allows nothing.
    fn closed() -> Matrix {
        Matrix { cells: vec![[Scope::No; 4]; Action::ALL.len()] }
    }
}

static MATRIX: LazyLock<Matrix> = LazyLock::new(|| Matrix::parse(PERMISSIONS_MD).unwrap_or_else(|_| Matrix::closed()));

/// The team's matrix, as `docs/permissions.md` gives it.
pub fn matrix() -> &'static Matrix {
    &MATRIX
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_matrix_reads_and_says_what_the_issue_asks() {
        let m = Matrix::parse(PERMISSIONS_MD).expect("docs/permissions.md's matrix reads");
        assert_eq!(&m, matrix());
        use Action::*;
        use Role::*;
        use Scope::*;
        assert_eq!(m.scope(SalesRep, Read), Own);
        assert_eq!(m.scope(SalesRep, Archive), No);
        assert_eq!(m.scope(SalesRep, Merge), No);
        assert_eq!(m.scope(SalesRep, Reassign), No);
        assert_eq!(m.scope(SalesRep, ChangeRules), No);
        assert_eq!(m.scope(CustomerService, Read), All);
        assert_eq!(m.scope(CustomerService, AddServiceRecord), All);
        assert_eq!(m.scope(CustomerService, AddFollowUp), All);
        assert_eq!(m.scope(CustomerService, ChangeDeal), No);
        assert_eq!(m.scope(CustomerService, MarkWonOrLost), No);
        assert_eq!(m.scope(Manager, Reassign), Group);
        assert_eq!(m.scope(Manager, Archive), Group);
        assert_eq!(m.scope(Manager, ChangeTiers), No);
        for a in Action::ALL {
            assert_eq!(m.scope(Admin, a), if a == ChangeAudit { No } else { All }, "{a:?}");
        }
        for r in Role::ALL {
            assert_eq!(m.scope(r, AppendAudit), All);
            assert_eq!(m.scope(r, ChangeAudit), No);
        }
    }

    #[test]
    fn a_broken_table_is_an_error_naming_what_is_wrong() {
        let good = PERMISSIONS_MD;
        let cases = [
            (good.replace("| read | own |", "| read | mine |"), "unknown scope `mine`"),
            (good.replace("| merge | no |", "| fuse | no |"), "unknown action `fuse`"),
            (good.replace("| archive | no | no | group | all |\n", ""), "`archive` has no row"),
            (good.replace("<!-- matrix:end -->", ""), "matrix:end"),
            (good.replace("| customer service |", "| service |"), "header row"),
        ];
        for (doc, want) in cases {
            let e = Matrix::parse(&doc).expect_err(want);
            assert!(e.contains(want), "{e} should mention {want}");
        }
        let closed = Matrix::closed();
        assert!(Action::ALL.iter().all(|a| closed.scope(Role::Admin, *a) == Scope::No));
    }
}
