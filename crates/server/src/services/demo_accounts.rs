//! Loginable demo accounts for trying the workflows on the demo data: the demo people of
//! `reskill_ingest::demo::people` (eight seekers, two caseworkers, two employers, one admin),
//! all with the password [`DEMO_PASSWORD`]. Development only: `reskill serve` creates them
//! only when it loads the demo into an empty database.

use reskill_core::accounts::{ConsentPurpose, Email, Role, SkillOriginKind};
use reskill_core::matching::SkillOrigin;
use reskill_store::people::{self, ProfileUpdate};
use sea_orm::DatabaseConnection;

use super::accounts::{NewAccount, create_account};
use super::engine::Engine;

/// The password of every demo account (documented in the README; demo data only).
pub const DEMO_PASSWORD: &str = "reskill-demo";

/// Creates the demo accounts that do not exist yet; returns how many were created. The first
/// four seekers are in the first caseworker's caseload; the others are left to be claimed.
pub async fn load_demo_accounts(db: &DatabaseConnection, engine: &Engine) -> anyhow::Result<usize> {
    let people = reskill_ingest::demo::people();
    let mut created = 0;
    let mut caseworkers = Vec::new();
    let mut seekers = Vec::new();
    for person in &people {
        let email = Email::parse(person.email)?;
        if let Some((user, _)) =
            reskill_store::accounts::user_with_hash_by_email(db, &email).await?
        {
            if user.role == Role::Caseworker {
                caseworkers.push(user.id);
            }
            continue;
        }
        let role = Role::parse_field(person.role, "role")?;
        let organisation_id = match person.organisation {
            None => None,
            Some(name) => Some(
                match reskill_store::accounts::organisation_by_name(db, name).await? {
                    Some(organisation) => organisation.id,
                    None => {
                        reskill_store::accounts::create_organisation(db, name, "employer")
                            .await?
                            .id
                    }
                },
            ),
        };
        let user = create_account(
            db,
            NewAccount {
                email,
                password: DEMO_PASSWORD.to_owned(),
                display_name: person.display_name.to_owned(),
                role,
                organisation_id,
                new_organisation: None,
                email_verified: true,
            },
            "http://127.0.0.1:8080",
            std::time::Duration::from_secs(3600),
        )
        .await
        .map_err(|e| anyhow::anyhow!("demo account {}: {e}", person.email))?;
        created += 1;
        match role {
            Role::Caseworker => caseworkers.push(user.id),
            Role::Seeker => {
                let Some(worker) = people::worker_of_user(db, user.id).await? else {
                    continue;
                };
                let city = reskill_ingest::demo::CITIES
                    .iter()
                    .find(|c| c.name == person.city);
                let occupation = person
                    .occupation_uri
                    .and_then(|uri| engine.occupation_by_uri(uri));
                people::update_profile(
                    db,
                    worker.id,
                    ProfileUpdate {
                        occupation_id: Some(occupation),
                        place_name: Some(Some(person.city.to_owned())),
                        region: Some(city.map(|c| c.region.to_owned())),
                        country: Some(Some("GB".to_owned())),
                        coordinates: Some(city.map(|c| (c.lat, c.lon))),
                        ..Default::default()
                    },
                )
                .await?;
                if let Some(occupation) = occupation {
                    let inferred: Vec<_> = engine
                        .occupation_skills(occupation, SkillOrigin::Inferred)
                        .into_iter()
                        .map(|s| s.skill)
                        .collect();
                    people::add_skills(db, worker.id, &inferred, SkillOriginKind::Inferred).await?;
                }
                let declared: Vec<_> = person
                    .extra_skill_uris
                    .iter()
                    .filter_map(|uri| engine.skill_by_uri(uri))
                    .collect();
                people::add_skills(db, worker.id, &declared, SkillOriginKind::Declared).await?;
                if person.consents_share {
                    people::grant_consent(
                        db,
                        worker.id,
                        ConsentPurpose::ShareWithEmployers,
                        "demo",
                    )
                    .await?;
                }
                if person.consents_email {
                    people::grant_consent(db, worker.id, ConsentPurpose::ReceiveEmail, "demo")
                        .await?;
                }
                seekers.push(worker.id);
            }
            _ => {}
        }
    }
    if let Some(first) = caseworkers.first() {
        let caseload: Vec<_> = seekers.iter().take(4).copied().collect();
        people::assign_caseworker(db, &caseload, Some(*first)).await?;
    }
    Ok(created)
}
