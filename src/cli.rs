//! The command line: `serve`, `demo`, `migrate`, `openapi`, `admin …`.

use clap::{Args, Parser, Subcommand};
use std::fmt::Write as _;

use crate::config::{DatabaseArgs, ServeArgs, Settings};
use crate::db::{Db, DbConnection, DbTarget};
use crate::domain::organization::{
    Address, OrgKind, OrganizationDraft, ProducerType, parse_new_organization,
};
use crate::startup::Application;
use crate::telemetry::LogFormat;
use crate::{auth, db, demo, routes};

/// ocop-trace: unique QR traceability codes for OCOP products (Vietnam's
/// "One Commune, One Product" programme), per batch and farming area.
///
/// Every flag can also be set through the environment variable shown in
/// brackets. The database defaults to an embedded SQLite file under ./data/.
#[derive(Debug, Parser)]
#[command(name = "ocop-trace", version, propagate_version = true)]
pub struct Cli {
    /// Log format on stderr [default: json; text for `demo`].
    #[arg(long, env = "LOG_FORMAT", value_enum, global = true)]
    pub log_format: Option<LogFormat>,

    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// JSON lines for machines; readable text when a person runs the demo.
    pub fn log_format(&self) -> LogFormat {
        self.log_format.unwrap_or(match self.command {
            Command::Demo(_) => LogFormat::Text,
            _ => LogFormat::Json,
        })
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP service (applies pending migrations first).
    Serve(ServeArgs),
    /// Start afresh with demo data (Hoa Binh organizations, API keys) in
    /// data/demo.sqlite, print keys and URLs to try, then serve.
    Demo(DemoArgs),
    /// Apply pending database migrations and exit.
    Migrate(DatabaseArgs),
    /// Print the OpenAPI document (the API contract) as YAML.
    Openapi,
    /// Bootstrap and manage organizations and API keys from the shell.
    #[command(subcommand)]
    Admin(AdminCommand),
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub serve: ServeArgs,
    /// Keep an existing demo database instead of starting afresh.
    #[arg(long)]
    pub keep: bool,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an organization and print its id.
    CreateOrg(CreateOrgArgs),
    /// Create an API key for an organization; the key is printed once.
    CreateKey(CreateKeyArgs),
    /// Revoke an API key by its id: it can no longer get tokens.
    RevokeKey(RevokeKeyArgs),
}

#[derive(Debug, Args)]
pub struct CreateOrgArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// Name, in Vietnamese with diacritics.
    #[arg(long)]
    pub name: String,
    #[arg(long, value_parser = parse_kind)]
    pub kind: OrgKind,
    /// For producers: cooperative, enterprise or household.
    #[arg(long, value_parser = parse_producer_type)]
    pub producer_type: Option<ProducerType>,
    #[arg(long, default_value = "Hòa Bình")]
    pub province: String,
    #[arg(long)]
    pub district: Option<String>,
    #[arg(long)]
    pub commune: Option<String>,
    #[arg(long)]
    pub tax_code: Option<String>,
}

#[derive(Debug, Args)]
pub struct CreateKeyArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// Organization id (UUID).
    #[arg(long = "org")]
    pub organization_id: uuid::Uuid,
    /// What the key is for.
    #[arg(long, default_value = "created from the command line")]
    pub label: String,
}

#[derive(Debug, Args)]
pub struct RevokeKeyArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// API key id (UUID), as listed by GET /api/v1/organizations/{id}/api-keys.
    #[arg(long = "key")]
    pub key_id: uuid::Uuid,
}

fn parse_kind(s: &str) -> Result<OrgKind, String> {
    OrgKind::parse(s).ok_or_else(|| "one of: admin, authority, producer, retailer".into())
}

fn parse_producer_type(s: &str) -> Result<ProducerType, String> {
    ProducerType::parse(s).ok_or_else(|| "one of: cooperative, enterprise, household".into())
}

/// One connection for a command that runs and exits. Not a pool:
/// a pool's background thread still using libpq while the process exits
/// crashed `admin create-key` on PostgreSQL now and then (SIGSEGV after the
/// key was printed, found by scripts/soak).
fn connect_once(args: &DatabaseArgs) -> Result<DbConnection, String> {
    let target = DbTarget::parse(args.database_url.expose())?;
    if let DbTarget::Sqlite { path } = &target {
        db::ensure_parent_dir(path)
            .map_err(|e| format!("can't create the folder for {path}: {e}"))?;
    }
    db::establish(&target).map_err(|e| {
        format!(
            "can't connect to the database ({}): {e}",
            target.backend_name()
        )
    })
}

/// [`connect_once`], with pending migrations applied.
fn open_connection(args: &DatabaseArgs) -> Result<DbConnection, String> {
    let mut conn = connect_once(args)?;
    db::run_migrations(&mut conn)?;
    Ok(conn)
}

/// Run a parsed command. Errors are for the operator's eyes: plain sentences.
pub async fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Serve(args) => serve(Settings::from_args(args).map_err(|e| e.to_string())?).await,
        Command::Demo(args) => run_demo(args).await,
        Command::Migrate(args) => {
            let applied = db::run_migrations(&mut connect_once(&args)?)?;
            println!("{applied} migration(s) applied");
            Ok(())
        }
        Command::Openapi => {
            print!("{}", routes::openapi_yaml());
            Ok(())
        }
        Command::Admin(cmd) => run_admin(cmd),
    }
}

async fn serve(settings: Settings) -> Result<(), String> {
    let host = settings
        .bind
        .rsplit_once(':')
        .map_or("0.0.0.0", |(host, _)| host)
        .to_owned();
    let settings_metrics = settings.metrics_address.clone();
    let app = Application::build(settings)?;
    // The port actually bound (`--bind …:0` asks the system for a free one).
    tracing::info!(address = %format!("{host}:{}", app.port()), "listening");
    if let (Some(port), Some(address)) = (app.metrics_port(), &settings_metrics) {
        let host = address.rsplit_once(':').map_or("0.0.0.0", |(host, _)| host);
        tracing::info!(address = %format!("{host}:{port}"), "metrics listening");
    }
    app.run_until_stopped().await.map_err(|e| e.to_string())
}

fn run_admin(cmd: AdminCommand) -> Result<(), String> {
    match cmd {
        AdminCommand::CreateOrg(args) => {
            let mut conn = open_connection(&args.db)?;
            let draft = OrganizationDraft {
                name: args.name,
                kind: args.kind,
                producer_type: args.producer_type,
                tax_code: args.tax_code,
                address: Address {
                    province: args.province,
                    district: args.district,
                    commune: args.commune,
                    street: None,
                },
                contact: None,
            };
            let new = parse_new_organization(&draft).map_err(|errors| {
                errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.reason))
                    .collect::<Vec<_>>()
                    .join("\n")
            })?;
            let org = db::organizations::insert(&mut conn, &new).map_err(|e| e.to_string())?;
            println!("{}", org.id);
            Ok(())
        }
        AdminCommand::CreateKey(args) => {
            let mut conn = open_connection(&args.db)?;
            let (key, row) = auth::issue_api_key(&mut conn, args.organization_id, &args.label)
                .map_err(|e| e.to_problem().detail)?;
            eprintln!(
                "API key {} created; it is shown once, store it now:",
                row.id
            );
            println!("{key}");
            Ok(())
        }
        AdminCommand::RevokeKey(args) => {
            let mut conn = open_connection(&args.db)?;
            match db::api_keys::revoke(&mut conn, args.key_id).map_err(|e| e.to_string())? {
                Some(_) => {
                    println!("revoked {}", args.key_id);
                    Ok(())
                }
                None => Err(format!("no API key with id {}", args.key_id)),
            }
        }
    }
}

pub const DEMO_DATABASE_PATH: &str = "data/demo.sqlite";

async fn run_demo(args: DemoArgs) -> Result<(), String> {
    let mut serve_args = args.serve;
    // The demo has its own file so it never touches real data.
    if serve_args.db.database_url.expose() == crate::config::DEFAULT_DATABASE_URL {
        serve_args.db.database_url =
            crate::config::Secret::new(format!("sqlite://{DEMO_DATABASE_PATH}"));
    }
    let target = DbTarget::parse(serve_args.db.database_url.expose())?;
    let DbTarget::Sqlite { path } = &target else {
        return Err("the demo runs on SQLite only; use serve for PostgreSQL".into());
    };
    if !args.keep {
        for suffix in ["", "-wal", "-shm"] {
            let file = format!("{path}{suffix}");
            if std::path::Path::new(&file).exists() {
                std::fs::remove_file(&file).map_err(|e| format!("can't remove {file}: {e}"))?;
            }
        }
    }
    let settings = Settings::from_args(serve_args).map_err(|e| e.to_string())?;
    let db = Db::connect(settings.database_url.expose(), 4)?;
    db.migrate()?;
    let data = if args.keep {
        demo::DemoData::default()
    } else {
        let mut conn = db.get().map_err(|e| e.to_string())?;
        demo::seed(&mut conn, &settings.public_base_url).map_err(|e| e.to_problem().detail)?
    };
    let base = settings.public_base_url.clone();
    print!("{}", demo_banner(&base, &data));
    serve(settings).await
}

/// What the demo prints at start-up: its keys and URLs to try.
pub fn demo_banner(base: &str, data: &demo::DemoData) -> String {
    // Writing to a String cannot fail.
    let mut out = String::new();
    let accounts = &data.accounts;
    out.push('\n');
    _ = writeln!(out, "ocop-trace demo — data in {DEMO_DATABASE_PATH}");
    out.push('\n');
    if !accounts.is_empty() {
        _ = writeln!(out, "API keys (one per organization):");
        for a in accounts {
            _ = writeln!(
                out,
                "  {:<10} {:<55} {}",
                a.kind.as_str(),
                a.name,
                a.api_key
            );
        }
        out.push('\n');
    }
    let producer_key = accounts
        .iter()
        .find(|a| a.kind == OrgKind::Producer)
        .map_or("<api key>", |a| a.api_key.as_str());
    _ = writeln!(
        out,
        "Web console (sign in with a key above): {base}/console/sign-in\n"
    );
    _ = writeln!(out, "Try:");
    _ = writeln!(out, "  curl {base}/healthz");
    _ = writeln!(out, "  curl {base}/readyz");
    _ = writeln!(out, "  curl {base}/openapi.yaml");
    _ = writeln!(
        out,
        "  TOKEN=$(curl -s -X POST {base}/api/v1/auth/token -H 'content-type: application/json' \\"
    );
    _ = writeln!(
        out,
        "          -d '{{\"api_key\":\"{producer_key}\"}}' | sed -E 's/.*\"access_token\":\"([^\"]+)\".*/\\1/')"
    );
    _ = writeln!(
        out,
        "  curl -H \"Authorization: Bearer $TOKEN\" {base}/api/v1/me"
    );
    _ = writeln!(
        out,
        "  curl -H \"Authorization: Bearer $TOKEN\" {base}/api/v1/products"
    );
    _ = writeln!(
        out,
        "  curl -H \"Authorization: Bearer $TOKEN\" {base}/api/v1/batches"
    );
    _ = writeln!(
        out,
        "  curl -H \"Authorization: Bearer $TOKEN\" {base}/api/v1/farming-areas"
    );
    if !data.products.is_empty() {
        out.push('\n');
        _ = writeln!(
            out,
            "Scan a code as a consumer would (open in a phone browser, or add -H 'Accept: application/json'):"
        );
        for p in &data.products {
            let note = if p.note.is_empty() { "normal" } else { p.note };
            _ = writeln!(
                out,
                "  {note:<24} {:<34} lot {:<12} {base}/c/{}",
                p.name, p.lot, p.code
            );
        }
        _ = writeln!(
            out,
            "  {:<24} {:<51} {base}/c/0000-0000-0000-0",
            "unknown code", "(the product may be counterfeit)"
        );
        _ = writeln!(
            out,
            "  English: add ?lang=en. Each batch has {} codes (GET /api/v1/code-runs/<id>/codes as its producer).",
            demo::CODES_PER_BATCH
        );
    }
    if let Some((p, gtin)) = data
        .products
        .iter()
        .find_map(|p| p.gtin.as_ref().map(|g| (p, g)))
    {
        out.push('\n');
        _ = writeln!(
            out,
            "GS1 Digital Link, as any GS1 scanner reads it (add ?linkType=all for the linkset):"
        );
        let lot = crate::domain::digital_link::percent_encode(&p.lot);
        for (what, path) in [
            ("a code", format!("/01/{gtin}/10/{lot}/21/{}", p.code)),
            ("its batch", format!("/01/{gtin}/10/{lot}")),
            ("its product", format!("/01/{gtin}")),
            (
                "a made-up serial",
                format!("/01/{gtin}/10/{lot}/21/ZZZZZZZZZZZZZ"),
            ),
            (
                "a farming area (GLN)",
                format!("/414/{}", demo::suspended_area_gln()),
            ),
            ("the resolver", "/.well-known/gs1resolver".to_owned()),
        ] {
            _ = writeln!(out, "  {what:<24} {base}{path}");
        }
    }
    if let (Some(retailer), Some(orange)) = (
        accounts.iter().find(|a| a.kind == OrgKind::Retailer),
        data.products.iter().find(|p| p.sold_at_shop),
    ) {
        out.push('\n');
        _ = writeln!(out, "As the supermarket ({}):", retailer.name);
        _ = writeln!(
            out,
            "  RTOKEN=$(curl -s -X POST {base}/api/v1/auth/token -H 'content-type: application/json' \\"
        );
        _ = writeln!(
            out,
            "          -d '{{\"api_key\":\"{}\"}}' | sed -E 's/.*\"access_token\":\"([^\"]+)\".*/\\1/')",
            retailer.api_key
        );
        _ = writeln!(
            out,
            "  curl -H \"Authorization: Bearer $RTOKEN\" {base}/api/v1/verify/{}   # sold here: already_sold",
            orange.code
        );
        _ = writeln!(
            out,
            "  curl -H \"Authorization: Bearer $RTOKEN\" -H 'content-type: application/json' -d '{{\"codes\":[\"{}\"]}}' {base}/api/v1/verify",
            orange.code
        );
        _ = writeln!(
            out,
            "  curl -H \"Authorization: Bearer $RTOKEN\" {base}/api/v1/events"
        );
    }
    out.push('\n');
    _ = writeln!(out, "Stop with Ctrl-C.");
    out.push('\n');
    out
}
