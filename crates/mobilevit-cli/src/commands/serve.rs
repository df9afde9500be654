//! `mobilevit serve`: the HTTP inference service.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use mobilevit::{LoadOptions, Variant, load_weights};
use mobilevit_eval::ClassNames;
use mobilevit_serve::{BatchPolicy, ServeOptions, router};

use super::preprocessing::PreprocessingArgs;
use crate::device::DeviceArgs;
use mobilevit_eval::describe;

/// Arguments of `mobilevit serve`.
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Model the weights must be (optional: read from the weights).
    #[arg(long, short)]
    model: Option<Variant>,
    /// Weights: a checkpoint or any file `convert` reads.
    #[arg(long, short)]
    weights: PathBuf,
    #[command(flatten)]
    preprocessing: PreprocessingArgs,
    /// Config overrides, `Key.path=value` (repeatable).
    #[arg(long = "override", short = 'o', requires = "config")]
    overrides: Vec<String>,
    /// Class names (`id name` per line); ImageNet's are built in for 1000 classes.
    #[arg(long)]
    class_map: Option<PathBuf>,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to listen on (0: any free port).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Most images classified in one forward pass.
    #[arg(long, default_value_t = 8)]
    max_batch: usize,
    /// How long a request waits for others to share its batch, in milliseconds.
    #[arg(long, default_value_t = 5)]
    batch_wait_ms: u64,
    /// Requests that may wait for the model; more get 503.
    #[arg(long, default_value_t = 64)]
    queue: usize,
    /// Largest request body, in MiB; larger gets 413.
    #[arg(long, default_value_t = 8)]
    max_body_mb: usize,
    /// Classes per answer unless the request asks (`?topk=K`).
    #[arg(long, default_value_t = 5)]
    topk: usize,
    #[command(flatten)]
    device: DeviceArgs,
}

/// Serves until Ctrl-C.
pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.max_batch >= 1, "--max-batch must be at least 1");
    let device = args.device.device()?;
    let options = LoadOptions {
        from: None,
        expected: args.model,
    };
    let loaded = load_weights(&args.weights, options, &device)?;
    let config = args.preprocessing.load_config(&args.overrides)?;
    let preprocessing =
        args.preprocessing
            .resolve(&args.weights, loaded.info.as_ref(), config.as_ref())?;
    let names = ClassNames::for_model(
        args.class_map.as_deref(),
        loaded.info.as_ref(),
        loaded.model.num_classes(),
    )?;
    let options = ServeOptions {
        policy: BatchPolicy {
            max_batch: args.max_batch,
            batch_wait: Duration::from_millis(args.batch_wait_ms),
            queue: args.queue,
        },
        max_body_bytes: args.max_body_mb << 20,
        default_topk: args.topk,
    };
    let metadata = serde_json::json!({
        "model": loaded.model.config.variant.to_string(),
        "num_classes": loaded.model.num_classes(),
        "weights": args.weights,
        "weights_info": loaded.info,
        "preprocessing": describe(&preprocessing),
        "max_batch": args.max_batch,
        "max_body_bytes": options.max_body_bytes,
        "default_topk": args.topk,
        "version": env!("CARGO_PKG_VERSION"),
    });
    let variant = loaded.model.config.variant;
    let app = router(
        loaded.model,
        names,
        preprocessing.pipeline.clone(),
        metadata,
        device,
        options,
    )?;
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let address = format!("{}:{}", args.host, args.port);
        let listener = tokio::net::TcpListener::bind(&address)
            .await
            .with_context(|| format!("cannot listen on {address}"))?;
        let local = listener.local_addr()?;
        println!(
            "{variant} ({}) serving on http://{local}: the page at GET /, POST /predict, GET /health, GET /metadata; batches of up to {}, queue {}, bodies up to {} MiB; Ctrl-C or SIGTERM stops after the requests in flight",
            preprocessing.origin, args.max_batch, args.queue, args.max_body_mb
        );
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown_signal())
            .await
            .context("the server stopped")
    })?;
    println!("stopped");
    Ok(())
}

/// Ctrl-C, or SIGTERM (what `docker stop`, systemd and Kubernetes send): either stops the
/// server after the requests in flight.
async fn shutdown_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate => {}
    }
}
