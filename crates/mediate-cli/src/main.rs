//! The `mediate` command: `serve`, `check` and `eval`.
//!
//! This is the only place in the workspace that decides how things are printed; the libraries
//! return values and typed errors.

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

mod affinity;
mod check;
mod eval;
mod serve;

/// An integration engine with the semantics of WSO2 Micro Integrator / Apache Synapse.
#[derive(Debug, Parser)]
#[command(name = "mediate", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve every Synapse XML artifact under DIR: REST APIs at their context and proxy
    /// services at /services/NAME on the HTTP port, the management API on the management port.
    #[command(after_help = SERVE_AFTER_HELP)]
    Serve(ServeArgs),

    /// Evaluate one expression against a payload, exactly as MI would.
    ///
    /// The expression is XPath 1.0 with Synapse's functions and variables (e.g. `//order/id`,
    /// `get-property('To')`, `$body/order`), `json-eval(JSONPATH)`, or a Synapse expression
    /// `${…}` (MI 4.4).
    #[command(after_help = EVAL_EXAMPLES)]
    Eval(EvalArgs),

    /// Validate every artifact under DIR without serving.
    ///
    /// Loads every `*.xml` artifact as `serve` would (the MI project layout
    /// `DIR/src/main/synapse-config/…` when present, else DIR as a flat folder, recursively) and
    /// reports every problem of every file. When all are valid, prints one summary line on
    /// stdout (`ok: 4 sequences, 2 local entries`); otherwise prints one `FILE:LINE:COL: message`
    /// line per problem on stderr, sorted by file then position, with FILE as DIR joined with
    /// the path inside it (a relative DIR gives paths relative to the current directory).
    #[command(after_help = CHECK_AFTER_HELP)]
    Check(CheckArgs),
}

const CHECK_AFTER_HELP: &str = "Exit status:
  0  every artifact is valid (summary on stdout)
  1  problems found (one FILE:LINE:COL: message line each, on stderr)
  2  DIR cannot be read (missing, not a folder, no permission), or bad usage

Examples:
  mediate check my-mi-project
  mediate check src/main/synapse-config/sequences";

const SERVE_AFTER_HELP: &str = "Management port:
  GET /healthz     200 once every artifact is deployed, 503 before
  GET /metrics     Prometheus text
  GET /management/{apis,proxy-services,endpoints,sequences,templates,local-entries}

SIGTERM or SIGINT stops accepting, finishes the messages in flight (up to --grace-period
seconds) and exits 0. Logs go to stderr; set their level with MEDIATE_LOG (e.g. debug,
mediate_runtime=trace).

Exit status:
  0  stopped by a signal
  1  an artifact has a problem (one FILE:LINE:COL: message line each, on stderr); nothing served
  2  DIR cannot be read, or a port cannot be bound

Examples:
  mediate serve examples/mi-project
  mediate serve my-mi-project --http-port 8080 --management-port 9090 --log-format json
  mediate serve my-mi-project --https-port 8253 --tls-cert cert.pem --tls-key key.pem";

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum LogFormat {
    /// One human-readable line per event.
    Text,
    /// One JSON object per event.
    Json,
}

/// Arguments of `mediate serve`.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// The folder to serve: an MI project or a flat folder of Synapse XML artifacts.
    #[arg(value_name = "DIR")]
    pub(crate) dir: PathBuf,
    /// The HTTP port APIs and proxy services are served on.
    #[arg(long, value_name = "N", default_value_t = 8290)]
    pub(crate) http_port: u16,
    /// The management port (/healthz, /metrics, /management/…).
    #[arg(long, value_name = "M", default_value_t = 9164)]
    pub(crate) management_port: u16,
    /// Also serve HTTPS on this port (needs --tls-cert and --tls-key), MI's 8253.
    #[arg(long, value_name = "N", requires_all = ["tls_cert", "tls_key"])]
    pub(crate) https_port: Option<u16>,
    /// The HTTPS port's certificate chain (PEM, leaf first).
    #[arg(long, value_name = "FILE", requires = "https_port")]
    pub(crate) tls_cert: Option<PathBuf>,
    /// The HTTPS port's private key (PEM: PKCS#8, PKCS#1 or SEC1).
    #[arg(long, value_name = "FILE", requires = "https_port")]
    pub(crate) tls_key: Option<PathBuf>,
    /// The address the HTTP port listens on.
    #[arg(long, value_name = "IP", default_value_t = IpAddr::V4(Ipv4Addr::UNSPECIFIED))]
    pub(crate) http_bind: IpAddr,
    /// The address the management port listens on. The management API has no login: keep it
    /// on loopback or an internal interface.
    #[arg(long, value_name = "IP", default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub(crate) management_bind: IpAddr,
    /// Seconds that messages in flight may take to finish after SIGTERM or SIGINT.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub(crate) grace_period: u64,
    /// How log lines are written.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub(crate) log_format: LogFormat,
    /// Whether each serving thread (one per core) is bound to a CPU of its own. `auto` binds
    /// them when there is one for every CPU the process may use (a VM, a cpuset, taskset),
    /// and not under a CPU quota.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = affinity::CpuAffinity::Auto)]
    pub(crate) cpu_affinity: affinity::CpuAffinity,
}

/// Arguments of `mediate check`.
#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// The folder to check: an MI project or a flat folder of Synapse XML artifacts.
    #[arg(value_name = "DIR")]
    pub(crate) dir: PathBuf,
}

const EVAL_EXAMPLES: &str = "Examples:
  mediate eval --xml order.xml '//order/id'
  mediate eval --xml soap.xml --ns m=http://services.samples '$body/m:getQuote/m:request/m:symbol'
  mediate eval --json order.json 'json-eval($.order.items[*].sku)'
  mediate eval --json order.json '${payload.order.total * 1.2}'
  mediate eval --json order.json --var rate=0.2 '${payload.order.total * vars.rate}'";

/// Arguments of `mediate eval`.
#[derive(Debug, Args)]
pub(crate) struct EvalArgs {
    #[command(flatten)]
    pub(crate) payload: PayloadArg,

    /// Bind a namespace prefix for the expression (repeatable). Prefixes declared on the
    /// payload's root element are bound already.
    #[arg(long = "ns", value_name = "PREFIX=URI", value_parser = parse_pair)]
    pub(crate) namespaces: Vec<(String, String)>,

    /// Set a default-scope (synapse) property, as the property mediator would (repeatable).
    /// Read it with `get-property('NAME')`, `$ctx:NAME` or `${properties.synapse.NAME}`.
    #[arg(long = "property", value_name = "NAME=VALUE", value_parser = parse_pair)]
    pub(crate) properties: Vec<(String, String)>,

    /// Set a transport header (repeatable). Read it with `$trp:NAME` or `${headers.NAME}`.
    #[arg(long = "header", value_name = "NAME=VALUE", value_parser = parse_pair)]
    pub(crate) headers: Vec<(String, String)>,

    /// Set a string variable (MI 4.4 `vars`, repeatable). Read it with `${vars.NAME}`.
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = parse_pair)]
    pub(crate) vars: Vec<(String, String)>,

    /// Set a variable to a JSON value (repeatable), e.g. `--var-json limits='{"max":3}'`.
    #[arg(long = "var-json", value_name = "NAME=JSON", value_parser = parse_pair)]
    pub(crate) json_vars: Vec<(String, String)>,

    /// The expression to evaluate.
    #[arg(value_name = "EXPRESSION", allow_hyphen_values = true)]
    pub(crate) expression: String,
}

/// Exactly one payload file.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub(crate) struct PayloadArg {
    /// An XML payload: a SOAP 1.1/1.2 envelope, or any document (then it is the body's first
    /// child, as MI holds a POX message).
    #[arg(long, value_name = "FILE")]
    pub(crate) xml: Option<PathBuf>,
    /// A JSON payload (XPath sees it through MI's JSON→XML mapping, `json-eval` reads it directly).
    #[arg(long, value_name = "FILE")]
    pub(crate) json: Option<PathBuf>,
    /// A plain-text payload (XPath sees it as MI's `<ns:text>` wrapper element).
    #[arg(long, value_name = "FILE")]
    pub(crate) text: Option<PathBuf>,
}

fn parse_pair(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("expected NAME=VALUE, got '{s}'")),
    }
}

/// jemalloc, with the `jemalloc` feature.
#[cfg(feature = "jemalloc")]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's settings, read once at its start: two arenas (the serving threads share them,
/// and fewer arenas hold fewer idle pages), a thread cache for sizes up to 4 KiB, and freed
/// pages given back to the system after a second instead of ten. `_RJEM_MALLOC_CONF` in the
/// environment still overrides them.
#[cfg(feature = "jemalloc")]
#[allow(unsafe_code, non_upper_case_globals)]
// SAFETY: jemalloc reads this symbol as a NUL-terminated C string at initialisation; the
// bytes are static, immutable and end in NUL.
#[unsafe(export_name = "_rjem_malloc_conf")]
pub static malloc_conf: &[u8] = b"narenas:2,tcache_max:4096,dirty_decay_ms:1000,muzzy_decay_ms:0\0";

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => serve::run(&args),
        Command::Eval(args) => eval::run(&args),
        Command::Check(args) => check::run(&args),
    }
}
