//! `reskill user create`: creates an account from the command line; this is how the first
//! admin exists.

use std::io::BufRead;

use anyhow::Context;
use reskill_core::accounts::{Email, Role};
use reskill_server::services::accounts::{NewAccount, create_account};

use crate::{Settings, UserCommand, UserCreateArgs};

/// Runs a `reskill user` subcommand.
pub async fn run(settings: &Settings, command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Create(args) => create(settings, args).await,
    }
}

async fn create(settings: &Settings, args: UserCreateArgs) -> anyhow::Result<()> {
    let role = Role::parse_field(&args.role, "--role")?;
    let email = Email::parse(&args.email).map_err(|e| anyhow::anyhow!("--email: {}", e.reason))?;
    let (password, generated) = if args.password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("failed to read the password from standard input")?;
        (line.trim_end_matches(['\r', '\n']).to_owned(), false)
    } else {
        (reskill_server::auth::tokens::random_token(), true)
    };
    let display_name = args.display_name.clone().unwrap_or_else(|| {
        email
            .as_str()
            .split('@')
            .next()
            .unwrap_or("user")
            .to_owned()
    });
    let db = super::open_database(settings).await?;
    let organisation_id = match &args.organisation {
        None => None,
        Some(name) => {
            let kind = if role == Role::Employer {
                "employer"
            } else {
                "service"
            };
            let found = reskill_store::accounts::organisation_by_name(&db, name.trim()).await?;
            Some(match found {
                Some(organisation) => organisation.id,
                None => {
                    reskill_store::accounts::create_organisation(&db, name.trim(), kind)
                        .await?
                        .id
                }
            })
        }
    };
    let user = create_account(
        &db,
        NewAccount {
            email,
            password: password.clone(),
            display_name,
            role,
            organisation_id,
            new_organisation: None,
            // The operator vouches for the address.
            email_verified: true,
        },
        &settings.public_url,
        settings.auth_config().verify_email_ttl,
    )
    .await?;
    println!(
        "created {} account {} (id {})",
        user.role, user.email, user.id
    );
    if generated {
        println!("password: {password}");
        println!("(shown once; change it after signing in)");
    }
    Ok(())
}
