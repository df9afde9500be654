//! A bounded load test on loopback: 256 requests in flight at once, none may fail (the queue is
//! sized for them). Prints throughput, latency percentiles and the mean batch (run with
//! `-- --nocapture` to see them; the figures in docs/deploy.md come from this test).

mod common;

use std::time::{Duration, Instant};

use mobilevit_serve::{BatchPolicy, ServeOptions};
use reqwest::StatusCode;

use common::{image, start};

const REQUESTS: usize = 256;
const CONCURRENCY: usize = 256;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundreds_of_concurrent_requests_all_succeed() {
    let defaults = ServeOptions::default();
    let options = ServeOptions {
        policy: BatchPolicy {
            queue: CONCURRENCY,
            ..defaults.policy
        },
        ..defaults
    };
    let url = start(options).await;
    let client = reqwest::Client::new();
    let body = image("chelsea.png");
    let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
    let started = Instant::now();
    let mut requests = tokio::task::JoinSet::new();
    for _ in 0..REQUESTS {
        let (client, url, body) = (client.clone(), url.clone(), body.clone());
        let permits = std::sync::Arc::clone(&permits);
        requests.spawn(async move {
            let _permit = permits.acquire_owned().await.unwrap();
            let sent = Instant::now();
            let response = client
                .post(format!("{url}/predict"))
                .header("content-type", "image/png")
                .body(body)
                .timeout(Duration::from_secs(300))
                .send()
                .await
                .unwrap();
            let status = response.status();
            let answer: serde_json::Value = response.json().await.unwrap();
            (status, answer, sent.elapsed())
        });
    }
    let mut latencies = Vec::with_capacity(REQUESTS);
    while let Some(result) = requests.join_next().await {
        let (status, answer, latency) = result.unwrap();
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(answer["topk"].as_array().map(Vec::len), Some(5), "{answer}");
        latencies.push(latency);
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let percentile = |p: f64| latencies[((latencies.len() - 1) as f64 * p).round() as usize];
    let health: serde_json::Value = client
        .get(format!("{url}/health"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["images"], REQUESTS as u64);
    println!(
        "load: {REQUESTS} requests, {CONCURRENCY} concurrent, 0 errors: {:.1} requests/s, p50 {:.0} ms, p99 {:.0} ms, mean batch {:.2}",
        REQUESTS as f64 / elapsed.as_secs_f64(),
        percentile(0.5).as_secs_f64() * 1e3,
        percentile(0.99).as_secs_f64() * 1e3,
        health["mean_batch"].as_f64().unwrap_or_default(),
    );
}
