//! The authorization policy: who may see or change what. Every route asks this module, and
//! nothing else decides; the rules, in one place:
//!
//! - **seeker**: only their own worker record, plans, saved searches and interests;
//! - **caseworker**: the workers in their caseload (assigned by an admin, or claimed when
//!   unassigned), their plans and contacts;
//! - **employer**: their organisation's openings, and candidates who consented to be seen
//!   (`share_with_employers`), masked until the candidate accepts an expression of interest;
//! - **admin**: everything.
//!
//! Every access to a worker's record by someone other than the worker is written to the audit
//! log here (admins' reads and writes included), so a handler cannot forget it.

use reskill_core::accounts::{ConsentPurpose, InterestStatus, Role};
use reskill_core::{OpeningId, OrganisationId, PlanId, WorkerId};
use reskill_store::audit::NewAuditEntry;
use reskill_store::people::{Plan, Worker};
use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::AppError;
use crate::auth::CurrentUser;

/// Reading or changing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Reading.
    Read,
    /// Changing.
    Write,
}

impl Access {
    fn as_str(self) -> &'static str {
        match self {
            Access::Read => "read",
            Access::Write => "write",
        }
    }
}

/// Why access to a worker was granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    /// The worker themselves.
    Own,
    /// Their caseworker.
    Caseworker,
    /// An admin.
    Admin,
}

/// Access to one worker's record, granted.
#[derive(Debug, Clone)]
pub struct WorkerGrant {
    /// The record.
    pub worker: Worker,
    /// Why it was granted.
    pub relation: Relation,
}

/// Refuses unless the caller has one of `roles`.
pub fn require_role(user: &CurrentUser, roles: &[Role]) -> Result<(), AppError> {
    if roles.contains(&user.role) {
        return Ok(());
    }
    let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    Err(AppError::forbidden(format!(
        "this needs the {} role",
        names.join(" or ")
    )))
}

fn not_allowed() -> AppError {
    AppError::forbidden("you may not see or change this worker's record")
}

/// Writes an audit entry.
pub async fn audit(
    db: &impl ConnectionTrait,
    user: &CurrentUser,
    action: &str,
    subject_kind: &str,
    subject_id: Option<i64>,
    worker: Option<WorkerId>,
) -> Result<(), AppError> {
    reskill_store::audit::record(
        db,
        NewAuditEntry {
            actor: Some(user.id),
            action: action.to_owned(),
            subject_kind: subject_kind.to_owned(),
            subject_id,
            worker,
            detail: json!({"role": user.role.as_str()}),
        },
    )
    .await?;
    Ok(())
}

/// Decides access to worker `id` for `action` (`worker.read`, `plan.create`, …) and audits it
/// when the caller is not the worker.
pub async fn worker(
    db: &impl ConnectionTrait,
    user: &CurrentUser,
    id: WorkerId,
    access: Access,
    action: &str,
) -> Result<WorkerGrant, AppError> {
    let record = match reskill_store::people::worker_by_id(db, id).await {
        Ok(record) => Some(record),
        Err(e) if e.kind() == reskill_store::ErrorKind::NotFound => None,
        Err(e) => return Err(e.into()),
    };
    let relation = match (user.role, &record) {
        (Role::Admin, None) => return Err(AppError::NotFound),
        (_, None) => return Err(not_allowed()),
        (Role::Admin, Some(_)) => Relation::Admin,
        (Role::Seeker, Some(w)) if w.user_id == Some(user.id) => Relation::Own,
        (Role::Caseworker, Some(w)) if w.caseworker_id == Some(user.id) => Relation::Caseworker,
        _ => return Err(not_allowed()),
    };
    let worker = record.ok_or(AppError::NotFound)?;
    if relation != Relation::Own {
        reskill_store::audit::record(
            db,
            NewAuditEntry {
                actor: Some(user.id),
                action: action.to_owned(),
                subject_kind: "worker".to_owned(),
                subject_id: Some(worker.id.0),
                worker: Some(worker.id),
                detail: json!({"role": user.role.as_str(), "access": access.as_str()}),
            },
        )
        .await?;
    }
    Ok(WorkerGrant { worker, relation })
}

/// Returns the caller's own worker record (seekers only).
pub async fn own_worker(db: &impl ConnectionTrait, user: &CurrentUser) -> Result<Worker, AppError> {
    require_role(user, &[Role::Seeker])?;
    reskill_store::people::worker_of_user(db, user.id)
        .await?
        .ok_or(AppError::NotFound)
}

/// Decides whether a caseworker may claim worker `id`: only when it has no caseworker and has
/// not left with an outcome.
pub async fn claimable_worker(
    db: &impl ConnectionTrait,
    user: &CurrentUser,
    id: WorkerId,
) -> Result<Worker, AppError> {
    require_role(user, &[Role::Caseworker])?;
    let worker = reskill_store::people::worker_by_id(db, id)
        .await
        .map_err(|_| AppError::NotFound)?;
    if worker.caseworker_id.is_some() || worker.outcome.is_some() {
        return Err(AppError::Conflict(
            "this worker already has a caseworker (an admin can reassign them)".into(),
        ));
    }
    Ok(worker)
}

/// Decides access to plan `id`: through its worker, as [`worker`] decides (a seeker reads their
/// own plans and marks steps done; changing a plan otherwise needs the caseworker or an admin).
pub async fn plan(
    db: &impl ConnectionTrait,
    user: &CurrentUser,
    id: PlanId,
    access: Access,
    action: &str,
) -> Result<(Plan, WorkerGrant), AppError> {
    let plan = match reskill_store::people::plan_by_id(db, id).await {
        Ok(plan) => plan,
        Err(e) if e.kind() == reskill_store::ErrorKind::NotFound => {
            return Err(if user.role == Role::Admin {
                AppError::NotFound
            } else {
                AppError::forbidden("you may not see or change this plan")
            });
        }
        Err(e) => return Err(e.into()),
    };
    let grant = worker(db, user, plan.worker, access, action).await?;
    if access == Access::Write && grant.relation == Relation::Own {
        return Err(AppError::forbidden(
            "a plan is revised by the caseworker; you can mark its steps done",
        ));
    }
    Ok((plan, grant))
}

/// Returns the caller's organisation, required of employers.
pub fn employer_organisation(user: &CurrentUser) -> Result<OrganisationId, AppError> {
    require_role(user, &[Role::Employer])?;
    user.organisation_id
        .ok_or_else(|| AppError::forbidden("your account does not belong to an organisation"))
}

/// Decides access to an opening's management (edit, close, candidates): an employer of the
/// opening's organisation, or an admin.
pub async fn manage_opening(
    db: &impl ConnectionTrait,
    user: &CurrentUser,
    opening: OpeningId,
) -> Result<reskill_store::openings::ManagedOpening, AppError> {
    require_role(user, &[Role::Employer, Role::Admin])?;
    let found = reskill_store::openings::managed_opening(db, opening).await?;
    let Some(found) = found else {
        return Err(if user.role == Role::Admin {
            AppError::NotFound
        } else {
            AppError::forbidden("you may only manage your organisation's openings")
        });
    };
    if user.role == Role::Employer
        && (user.organisation_id.is_none() || found.organisation_id != user.organisation_id)
    {
        return Err(AppError::forbidden(
            "you may only manage your organisation's openings",
        ));
    }
    Ok(found)
}

/// Decides access to an organisation's members: its employers, or an admin.
pub fn organisation(user: &CurrentUser, id: OrganisationId) -> Result<(), AppError> {
    match user.role {
        Role::Admin => Ok(()),
        Role::Employer if user.organisation_id == Some(id) => Ok(()),
        _ => Err(AppError::forbidden(
            "you may only see your own organisation",
        )),
    }
}

/// How much of a candidate an employer sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CandidateVisibility {
    /// Fit and readiness only: no name, no contact details, no location below the region.
    Masked,
    /// The candidate accepted an expression of interest from this organisation.
    Revealed,
}

/// Decides whether an employer (or admin) may see worker `id` as a candidate for openings of
/// `organisation`: only with `share_with_employers` consent in force; revealed once the worker
/// accepted an interest for one of `organisation_openings`. Audits the read.
pub async fn candidate(
    db: &impl ConnectionTrait,
    user: &CurrentUser,
    id: WorkerId,
    organisation_openings: &[OpeningId],
) -> Result<CandidateVisibility, AppError> {
    require_role(user, &[Role::Employer, Role::Admin])?;
    if !reskill_store::people::has_consent(db, id, ConsentPurpose::ShareWithEmployers).await? {
        return Err(AppError::forbidden(
            "this worker has not agreed to be seen by employers",
        ));
    }
    let accepted =
        reskill_store::people::interests(db, Some(id), Some(organisation_openings), None, 1_000)
            .await?
            .iter()
            .any(|i| i.status == InterestStatus::Accepted);
    audit(db, user, "candidate.read", "worker", Some(id.0), Some(id)).await?;
    Ok(if accepted {
        CandidateVisibility::Revealed
    } else {
        CandidateVisibility::Masked
    })
}
