//! `mediate serve DIR`: load, check and deploy every artifact under a folder, then serve its APIs
//! and proxy services on the HTTP port and the management API on the management port, until
//! SIGTERM or SIGINT.

use std::io::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use mediate::config::Configuration;
use mediate::runtime::management::{self, EndpointStatus, Readiness};
use mediate::runtime::metrics::Metrics;
use mediate::runtime::{Runtime, ServerConfig};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::affinity::Placement;
use crate::{LogFormat, ServeArgs};

/// Exit status when an artifact has a problem (nothing is served).
const PROBLEMS_FOUND: u8 = 1;
/// Exit status when a port cannot be bound or DIR cannot be read.
const CANNOT_START: u8 = 2;

/// Runs `mediate serve`.
///
/// One thread per core serves HTTP (and HTTPS), each with its own single-threaded runtime
/// and all accepting on the same listening sockets (the way nginx runs a worker per core): a
/// connection, its mediation and its backend connections stay on one thread, with no
/// cross-thread wake-ups or work stealing on the way. This thread is one of them, and also
/// runs the management port and the signal handling. Where `--cpu-affinity` says so, each
/// serving thread is bound to a CPU of its own ([`crate::affinity`]).
pub(crate) fn run(args: &ServeArgs) -> ExitCode {
    init_logging(args.log_format);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let placement = Arc::new(Placement::plan(args.cpu_affinity, threads));
    let rt = match serving_runtime(&placement).thread_name("mediate").build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(CANNOT_START);
        }
    };
    rt.block_on(serve(args, threads, placement))
}

/// The builder of a serving thread's runtime. Its blocking-pool threads, started from a
/// serving thread that may be bound to one CPU, get the process's whole CPU set back.
fn serving_runtime(placement: &Arc<Placement>) -> tokio::runtime::Builder {
    let mut builder = tokio::runtime::Builder::new_current_thread();
    builder.enable_all();
    if !placement.cpus().is_empty() {
        let placement = Arc::clone(placement);
        builder.on_thread_start(move || placement.unbind());
    }
    builder
}

async fn serve(args: &ServeArgs, threads: usize, placement: Arc<Placement>) -> ExitCode {
    let started = Instant::now();
    match std::fs::read_dir(&args.dir) {
        Ok(_) => {}
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", args.dir.display());
            return ExitCode::from(CANNOT_START);
        }
    }
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::spawn(wait_for_signal(stop_tx));

    // The management port comes up first: /healthz answers 503 while the artifacts deploy.
    let metrics = Metrics::install();
    let readiness = Readiness::new();
    let management_addr = SocketAddr::new(args.management_bind, args.management_port);
    let management_listener = match TcpListener::bind(management_addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on {management_addr} (management port): {e}");
            return ExitCode::from(CANNOT_START);
        }
    };
    let http_url = format!("http://{}:{}", display_host(args.http_bind), args.http_port);
    // Endpoint states come from the runtime once it is deployed.
    let deployed: Arc<OnceLock<Runtime>> = Arc::new(OnceLock::new());
    let lookup = Arc::clone(&deployed);
    let sequences = Arc::clone(&deployed);
    let management_state = management::ManagementState::new(
        Arc::new(Configuration::new(Vec::new())),
        readiness.clone(),
        metrics.clone(),
    )
    .with_http_base_url(http_url.clone())
    .with_endpoint_status(Arc::new(move |name: &str| {
        let status = lookup.get()?.endpoints().status(name)?;
        Some(EndpointStatus::from_machine(&status.state, Instant::now()))
    }))
    .with_sequence_stats(Arc::new(move || {
        sequences
            .get()
            .map(Runtime::sequence_stats)
            .unwrap_or_default()
    }));
    let management_task = tokio::spawn(management::serve_management(
        management_listener,
        management_state.clone(),
        stopped(stop_rx.clone()),
    ));

    let dir = args.dir.clone();
    let loaded = tokio::task::spawn_blocking(move || Runtime::builder().load_dir(&dir)).await;
    let runtime = match loaded {
        Ok(Ok(runtime)) => runtime,
        Ok(Err(diagnostics)) => {
            let mut items = diagnostics.into_vec();
            items.sort();
            let mut err = std::io::stderr().lock();
            for d in &items {
                let _ = writeln!(err, "{d}");
            }
            let _ = writeln!(
                err,
                "error: {} problem{} found; nothing is served",
                items.len(),
                if items.len() == 1 { "" } else { "s" }
            );
            return ExitCode::from(PROBLEMS_FOUND);
        }
        Err(e) => {
            eprintln!("error: loading the artifacts failed: {e}");
            return ExitCode::from(CANNOT_START);
        }
    };

    let https = match (&args.https_port, &args.tls_cert, &args.tls_key) {
        (Some(port), Some(cert), Some(key)) => {
            match mediate::transport::tls::server_config_from_files(cert, key) {
                Ok(tls) => Some((*port, tls)),
                Err(e) => {
                    eprintln!(
                        "error: cannot use {} and {} for HTTPS: {e}",
                        cert.display(),
                        key.display()
                    );
                    return ExitCode::from(CANNOT_START);
                }
            }
        }
        _ => None,
    };
    let https_listener = match &https {
        Some((port, _)) => {
            let addr = SocketAddr::new(args.http_bind, *port);
            match bind_shared(addr) {
                Ok(l) => Some(l),
                Err(e) => {
                    eprintln!("error: cannot listen on {addr} (HTTPS port): {e}");
                    return ExitCode::from(CANNOT_START);
                }
            }
        }
        None => None,
    };
    let http_addr = SocketAddr::new(args.http_bind, args.http_port);
    let http_listener = match bind_shared(http_addr) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on {http_addr} (HTTP port): {e}");
            return ExitCode::from(CANNOT_START);
        }
    };
    // The management API now describes the deployment.
    management_state.replace_configuration(Arc::clone(runtime.configuration()));
    let _ = deployed.set(runtime.clone());
    let snapshot = runtime.snapshot();
    tracing::info!(
        apis = snapshot.apis.len(),
        proxies = snapshot.proxies.len(),
        http = %http_url,
        https = ?args.https_port,
        management = %management_addr,
        startup_ms = started.elapsed().as_millis() as u64,
        "mediate is serving"
    );
    readiness.set_ready();

    let mut config = ServerConfig::default();
    config.grace_period = Duration::from_secs(args.grace_period);
    let mut listeners = vec![(http_listener, config.clone())];
    if let (Some(listener), Some((_, tls))) = (https_listener, https) {
        let mut tls_config = config.clone();
        tls_config.tls = Some(tls);
        listeners.push((listener, tls_config));
    }
    let served = serve_on_every_core(&runtime, listeners, &stop_rx, threads, &placement).await;
    readiness.set_not_ready();
    // The management port stops with the rest; a client holding it open does not keep the
    // process alive past the grace period.
    let _ = tokio::time::timeout(Duration::from_secs(args.grace_period), management_task).await;
    match served {
        Ok(()) => {
            tracing::info!("stopped");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: the HTTP listener failed: {e}");
            ExitCode::from(CANNOT_START)
        }
    }
}

/// Serves every listener (HTTP, and HTTPS when configured) from one thread per core (see
/// [`run`]) until the stop, and gives the first error of any of them.
async fn serve_on_every_core(
    runtime: &Runtime,
    listeners: Vec<(TcpListener, ServerConfig)>,
    stop_rx: &watch::Receiver<bool>,
    threads: usize,
    placement: &Arc<Placement>,
) -> std::io::Result<()> {
    let mut listeners = listeners
        .into_iter()
        .map(|(listener, config)| Ok((listener.into_std()?, config)))
        .collect::<std::io::Result<Vec<_>>>()?;
    let mut others = Vec::new();
    for i in 1..threads {
        let own = listeners
            .iter()
            .map(|(listener, config)| Ok((join_shared(listener)?, config.clone())))
            .collect::<std::io::Result<Vec<_>>>()?;
        let (runtime, stop, placement) = (runtime.clone(), stop_rx.clone(), Arc::clone(placement));
        let thread = std::thread::Builder::new()
            .name(format!("mediate-http-{i}"))
            .spawn(move || -> std::io::Result<()> {
                placement.bind_serving(i);
                let rt = serving_runtime(&placement).build()?;
                rt.block_on(serve_all(&runtime, own, &stop))
            })?;
        others.push(thread);
    }
    // Bound last, so that the threads started above did not inherit this thread's CPU.
    placement.bind_serving(0);
    tracing::debug!(threads, cpus = ?placement.cpus(), "serving");
    let mut served = serve_all(runtime, std::mem::take(&mut listeners), stop_rx).await;
    for thread in others {
        // Joined off this thread: it keeps running the management port meanwhile.
        let joined = tokio::task::spawn_blocking(move || thread.join()).await;
        let result = match joined {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(std::io::Error::other("a serving thread panicked")),
            Err(e) => Err(std::io::Error::other(e)),
        };
        if served.is_ok() {
            served = result;
        }
    }
    served
}

/// A listening socket on `addr` that other sockets of this process can join
/// ([`join_shared`]): `SO_REUSEPORT`, so that the kernel spreads new connections over the
/// serving threads. (Sharing one socket instead lets whichever thread wakes first take every
/// connection; one run of the load test had all of them on one thread.) The port must be
/// free: a plain bind is tried first, so a port in use fails here as it always did, and a
/// second `mediate serve` on the same port is refused rather than sharing it.
fn bind_shared(addr: SocketAddr) -> std::io::Result<TcpListener> {
    drop(std::net::TcpListener::bind(addr)?);
    reuseport_listener(addr)
}

/// Another socket in `listener`'s `SO_REUSEPORT` group (same address, same port), for one
/// more serving thread; a clone of the same socket where there is no `SO_REUSEPORT`.
fn join_shared(listener: &std::net::TcpListener) -> std::io::Result<std::net::TcpListener> {
    #[cfg(unix)]
    {
        reuseport_listener(listener.local_addr()?)?.into_std()
    }
    #[cfg(not(unix))]
    {
        listener.try_clone()
    }
}

fn reuseport_listener(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    #[cfg(unix)]
    socket.set_reuseport(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

/// Serves each listener on this thread's runtime until the stop; the first error of any.
async fn serve_all(
    runtime: &Runtime,
    listeners: Vec<(std::net::TcpListener, ServerConfig)>,
    stop_rx: &watch::Receiver<bool>,
) -> std::io::Result<()> {
    let mut serving = tokio::task::JoinSet::new();
    for (listener, config) in listeners {
        let listener = TcpListener::from_std(listener)?;
        let (runtime, stop) = (runtime.clone(), stopped(stop_rx.clone()));
        serving.spawn(async move { runtime.serve(listener, config, stop).await });
    }
    let mut served = Ok(());
    while let Some(result) = serving.join_next().await {
        let result = result.unwrap_or_else(|e| Err(std::io::Error::other(e)));
        if served.is_ok() {
            served = result;
        }
    }
    served
}

/// Resolves once a stop has been asked for.
async fn stopped(mut rx: watch::Receiver<bool>) {
    let _ = rx.wait_for(|stop| *stop).await;
}

/// Sends the stop on SIGTERM or SIGINT.
async fn wait_for_signal(tx: watch::Sender<bool>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) else {
            tracing::warn!("cannot install signal handlers; stop with SIGKILL");
            // Keep the sender: dropping it would read as a stop.
            std::future::pending::<()>().await;
            return;
        };
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM: finishing the messages in flight"),
            _ = int.recv() => tracing::info!("SIGINT: finishing the messages in flight"),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    let _ = tx.send(true);
}

fn display_host(ip: IpAddr) -> String {
    if ip.is_unspecified() {
        "localhost".to_owned()
    } else {
        ip.to_string()
    }
}

fn init_logging(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("MEDIATE_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}
