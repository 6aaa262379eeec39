//! The organization plugin's membership lookup: the `member` row of a user in an organization,
//! joined to the `organization` row, planned once from the live layout (renamed tables and
//! columns through the [`Schema`]).

use std::{sync::Arc, time::Duration};

use super::{Cell, ColumnInfo, Dialect, SqlDatabase, can_hold, with_deadline};
use crate::{
    config::{Model, Schema},
    error::BackendError,
    model::{Member, Membership, Organization, OrganizationRole, TeamMember},
};

/// The column of `model` holding `field` among `columns`, if there.
fn column(
    schema: &Schema,
    columns: &[ColumnInfo],
    model: Model,
    field: &str,
) -> Option<ColumnInfo> {
    let name = schema.column(model, field);
    columns.iter().find(|column| column.name == name).cloned()
}

/// Decodes cell `index` of `row` as text (`field` names it in errors).
fn text<D: Dialect>(
    row: &<D::Db as sqlx::Database>::Row,
    index: usize,
    kind: D::Kind,
    field: &str,
) -> Result<String, BackendError> {
    let invalid = |detail: String| BackendError::invalid_data(D::BACKEND, detail);
    D::decode_cell(row, index, kind)
        .map_err(|error| invalid(format!("{field}: {error}")))?
        .into_string(field)
        .map_err(invalid)?
        .ok_or_else(|| invalid(format!("{field} is null")))
}

/// The team membership lookup: the user's `teamMember` row in a team of the organization.
pub(crate) struct TeamQuery<D: Dialect> {
    sql: Arc<str>,
    kinds: [D::Kind; 3],
    /// The data types the three parameters are compared with.
    bound: Arc<[String; 3]>,
}

impl<D: Dialect> Clone for TeamQuery<D> {
    fn clone(&self) -> Self {
        Self {
            sql: self.sql.clone(),
            kinds: self.kinds,
            bound: self.bound.clone(),
        }
    }
}

impl<D: Dialect> TeamQuery<D> {
    /// Plans it from the `teamMember` and `team` columns; `None` without teams.
    pub(crate) fn plan(
        schema: &Schema,
        team_member_columns: &[ColumnInfo],
        team_columns: &[ColumnInfo],
    ) -> Option<Self> {
        let id = column(schema, team_member_columns, Model::TeamMember, "id")?;
        let team_id = column(schema, team_member_columns, Model::TeamMember, "teamId")?;
        let user_id = column(schema, team_member_columns, Model::TeamMember, "userId")?;
        let team_key = column(schema, team_columns, Model::Team, "id")?;
        let organization_id = column(schema, team_columns, Model::Team, "organizationId")?;
        let selected = [&id, &team_id, &user_id];
        let kinds = selected.map(|column| D::kind_of(&column.data_type));
        let exprs: Vec<String> = selected
            .iter()
            .zip(kinds)
            .map(|(column, kind)| D::select(kind, &format!("tm.{}", D::quote(&column.name))))
            .collect();
        let sql = format!(
            "SELECT {} FROM {} AS tm INNER JOIN {} AS t ON t.{} = tm.{} WHERE tm.{} = {} AND tm.{} = {} AND t.{} = {}",
            exprs.join(", "),
            D::quote(&schema.table(Model::TeamMember)),
            D::quote(&schema.table(Model::Team)),
            D::quote(&team_key.name),
            D::quote(&team_id.name),
            D::quote(&team_id.name),
            D::param_for(1, &team_id.data_type),
            D::quote(&user_id.name),
            D::param_for(2, &user_id.data_type),
            D::quote(&organization_id.name),
            D::param_for(3, &organization_id.data_type),
        );
        Some(Self {
            sql: sql.into(),
            kinds,
            bound: Arc::new([
                team_id.data_type.clone(),
                user_id.data_type.clone(),
                organization_id.data_type.clone(),
            ]),
        })
    }

    /// The user's row in `team_id`, if that team is of `organization_id` and the user is in it.
    pub(crate) async fn fetch(
        &self,
        pool: &sqlx::Pool<D::Db>,
        (team_id, user_id, organization_id): (&str, &str, &str),
        timeout: Duration,
    ) -> Result<Option<TeamMember>, BackendError> {
        let values = vec![
            team_id.to_owned(),
            user_id.to_owned(),
            organization_id.to_owned(),
        ];
        if !self.bound.iter().zip(&values).all(|(t, v)| can_hold(t, v)) {
            return Ok(None);
        }
        let query = || D::Db::fetch_optional_values(pool, self.sql.clone(), values.clone());
        let Some(row) = with_deadline(D::BACKEND, timeout, query).await? else {
            return Ok(None);
        };
        Ok(Some(TeamMember {
            id: text::<D>(&row, 0, self.kinds[0], "teamMember.id")?,
            team_id: text::<D>(&row, 1, self.kinds[1], "teamMember.teamId")?,
            user_id: text::<D>(&row, 2, self.kinds[2], "teamMember.userId")?,
        }))
    }
}

/// The dynamic roles of an organization (`organizationRole` rows).
pub(crate) struct RolesQuery<D: Dialect> {
    sql: Arc<str>,
    kinds: [D::Kind; 2],
    /// The data type the organization id is compared with.
    bound: Arc<str>,
}

impl<D: Dialect> Clone for RolesQuery<D> {
    fn clone(&self) -> Self {
        Self {
            sql: self.sql.clone(),
            kinds: self.kinds,
            bound: self.bound.clone(),
        }
    }
}

impl<D: Dialect> RolesQuery<D> {
    /// Plans it from the `organizationRole` columns; `None` without dynamic access control.
    pub(crate) fn plan(schema: &Schema, columns: &[ColumnInfo]) -> Option<Self> {
        let role = column(schema, columns, Model::OrganizationRole, "role")?;
        let permission = column(schema, columns, Model::OrganizationRole, "permission")?;
        let organization_id = column(schema, columns, Model::OrganizationRole, "organizationId")?;
        let kinds = [&role, &permission].map(|column| D::kind_of(&column.data_type));
        let sql = format!(
            "SELECT {}, {} FROM {} AS r WHERE r.{} = {}",
            D::select(kinds[0], &format!("r.{}", D::quote(&role.name))),
            D::select(kinds[1], &format!("r.{}", D::quote(&permission.name))),
            D::quote(&schema.table(Model::OrganizationRole)),
            D::quote(&organization_id.name),
            D::param_for(1, &organization_id.data_type),
        );
        Some(Self {
            sql: sql.into(),
            kinds,
            bound: organization_id.data_type.as_str().into(),
        })
    }

    /// Every dynamic role of `organization_id`.
    pub(crate) async fn fetch(
        &self,
        pool: &sqlx::Pool<D::Db>,
        organization_id: &str,
        timeout: Duration,
    ) -> Result<Vec<OrganizationRole>, BackendError> {
        if !can_hold(&self.bound, organization_id) {
            return Ok(Vec::new());
        }
        let values = vec![organization_id.to_owned()];
        let query = || D::Db::fetch_all_values(pool, self.sql.clone(), values.clone());
        let rows = with_deadline(D::BACKEND, timeout, query).await?;
        rows.iter()
            .map(|row| {
                Ok(OrganizationRole {
                    role: text::<D>(row, 0, self.kinds[0], "organizationRole.role")?,
                    permission: text::<D>(row, 1, self.kinds[1], "organizationRole.permission")?,
                })
            })
            .collect()
    }
}

/// Member fields read, in order: the first five are required.
const MEMBER: [&str; 5] = ["id", "organizationId", "userId", "role", "createdAt"];
/// Organization fields read, in order: `logo` and `metadata` may be missing.
const ORGANIZATION: [&str; 6] = ["id", "name", "slug", "logo", "metadata", "createdAt"];

/// The planned lookup.
pub(crate) struct MembershipQuery<D: Dialect> {
    sql: Arc<str>,
    /// For each selected cell: its field, its kind.
    cells: Arc<[(&'static str, D::Kind)]>,
    /// The data types the organization and user ids are compared with.
    bound: Arc<[String; 2]>,
}

impl<D: Dialect> Clone for MembershipQuery<D> {
    fn clone(&self) -> Self {
        Self {
            sql: self.sql.clone(),
            cells: self.cells.clone(),
            bound: self.bound.clone(),
        }
    }
}

impl<D: Dialect> MembershipQuery<D> {
    /// Plans the lookup from the two tables' columns; `None` when a table or a required
    /// column is missing (no organization plugin).
    pub(crate) fn plan(
        schema: &Schema,
        member_columns: &[ColumnInfo],
        organization_columns: &[ColumnInfo],
    ) -> Option<Self> {
        let mut exprs = Vec::new();
        let mut cells = Vec::new();
        let mut column_of = |model: Model, field: &'static str, alias: &str, required: bool| {
            let columns = match model {
                Model::Member => member_columns,
                _ => organization_columns,
            };
            match column(schema, columns, model, field) {
                Some(column) => {
                    let kind = D::kind_of(&column.data_type);
                    exprs.push(D::select(
                        kind,
                        &format!("{alias}.{}", D::quote(&column.name)),
                    ));
                    cells.push((field, kind));
                    Some(Some(column))
                }
                None if required => None,
                None => Some(None),
            }
        };
        let mut member = Vec::new();
        for field in MEMBER {
            member.push(column_of(Model::Member, field, "m", true)??);
        }
        for field in ORGANIZATION {
            let required = !matches!(field, "logo" | "metadata");
            column_of(Model::Organization, field, "o", required)?;
        }
        let organization_id = column(schema, organization_columns, Model::Organization, "id")?;
        let (member_organization, member_user) = (&member[1], &member[2]);
        let sql = format!(
            "SELECT {} FROM {} AS m INNER JOIN {} AS o ON o.{} = m.{} WHERE m.{} = {} AND m.{} = {}",
            exprs.join(", "),
            D::quote(&schema.table(Model::Member)),
            D::quote(&schema.table(Model::Organization)),
            D::quote(&organization_id.name),
            D::quote(&member_organization.name),
            D::quote(&member_organization.name),
            D::param_for(1, &member_organization.data_type),
            D::quote(&member_user.name),
            D::param_for(2, &member_user.data_type),
        );
        let bound = Arc::new([
            member_organization.data_type.clone(),
            member_user.data_type.clone(),
        ]);
        Some(Self {
            sql: sql.into(),
            cells: cells.into(),
            bound,
        })
    }

    /// The membership of `user_id` in `organization_id`, if any.
    pub(crate) async fn fetch(
        &self,
        pool: &sqlx::Pool<D::Db>,
        organization_id: &str,
        user_id: &str,
        timeout: Duration,
    ) -> Result<Option<Membership>, BackendError> {
        let values = vec![organization_id.to_owned(), user_id.to_owned()];
        if !self.bound.iter().zip(&values).all(|(t, v)| can_hold(t, v)) {
            // An id the column cannot hold (a request's `organizationId`): no membership.
            return Ok(None);
        }
        let query = || D::Db::fetch_optional_values(pool, self.sql.clone(), values.clone());
        let Some(row) = with_deadline(D::BACKEND, timeout, query).await? else {
            return Ok(None);
        };
        let invalid = |detail: String| BackendError::invalid_data(D::BACKEND, detail);
        let mut texts = std::collections::HashMap::new();
        let mut member_created = None;
        let mut organization_created = None;
        for (index, (field, kind)) in self.cells.iter().enumerate() {
            let cell: Cell = D::decode_cell(&row, index, *kind)
                .map_err(|error| invalid(format!("{field}: {error}")))?;
            // The member's five cells come first, then the organization's.
            let of_member = index < MEMBER.len();
            if *field == "createdAt" {
                let time = cell.into_time(field).map_err(invalid)?;
                if of_member {
                    member_created = time;
                } else {
                    organization_created = time;
                }
            } else {
                let key = (of_member, *field);
                texts.insert(key, cell.into_string(field).map_err(invalid)?);
            }
        }
        let mut text = |of_member: bool, field: &'static str| -> Option<String> {
            texts.remove(&(of_member, field)).flatten()
        };
        let required = |value: Option<String>, what: &str| {
            value.ok_or_else(|| invalid(format!("{what} is null")))
        };
        let member = Member {
            id: required(text(true, "id"), "member.id")?,
            organization_id: required(text(true, "organizationId"), "member.organizationId")?,
            user_id: required(text(true, "userId"), "member.userId")?,
            role: required(text(true, "role"), "member.role")?,
            created_at: member_created.ok_or_else(|| invalid("member.createdAt is null".into()))?,
        };
        let organization = Organization {
            id: required(text(false, "id"), "organization.id")?,
            name: required(text(false, "name"), "organization.name")?,
            slug: required(text(false, "slug"), "organization.slug")?,
            logo: text(false, "logo"),
            metadata: text(false, "metadata"),
            created_at: organization_created
                .ok_or_else(|| invalid("organization.createdAt is null".into()))?,
        };
        Ok(Some(Membership::new(organization, member)))
    }
}
