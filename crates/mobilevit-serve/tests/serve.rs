//! The service's answers and its errors.

mod common;

use std::time::Duration;

use burn::tensor::Device;
use mobilevit_data::Preset;
use mobilevit_eval::{ClassNames, predict};
use mobilevit_serve::{BatchPolicy, ServeOptions};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};

use common::{image, repo, start};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn predict_answers_as_the_predict_command_does() {
    let url = start(ServeOptions::default()).await;
    let client = reqwest::Client::new();
    let raw: serde_json::Value = client
        .post(format!("{url}/predict?topk=5"))
        .header("content-type", "image/png")
        .body(image("chelsea.png"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let form = Form::new().part(
        "image",
        Part::bytes(image("chelsea.png")).file_name("chelsea.png"),
    );
    let uploaded: serde_json::Value = client
        .post(format!("{url}/predict"))
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(uploaded["image"], "chelsea.png");
    assert_eq!(raw["topk"], uploaded["topk"]);

    let expected = predict(
        &common::model(),
        &[repo("tests/fixtures/images/chelsea.png")],
        &Preset::Timm.pipeline(),
        &ClassNames::imagenet(),
        5,
        1,
        &Device::flex(),
    );
    let expected = expected[0].as_ref().unwrap();
    let served = raw["topk"].as_array().unwrap();
    assert_eq!(served.len(), 5);
    for (got, want) in served.iter().zip(&expected.topk) {
        assert_eq!(got["class_id"], want.class_id);
        assert_eq!(got["label"], want.label.as_str());
        let score = got["score"].as_f64().unwrap();
        assert!(
            (score - f64::from(want.score)).abs() < 1e-6,
            "{got} vs {want:?}"
        );
    }
}

async fn status_and_error(response: reqwest::Response) -> (StatusCode, String) {
    let status = response.status();
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    (
        status,
        body["error"].as_str().unwrap_or_default().to_string(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_clear_errors_and_the_service_goes_on() {
    let options = ServeOptions {
        max_body_bytes: 1 << 20,
        ..ServeOptions::default()
    };
    let url = start(options).await;
    // A fresh connection per request: the server closes the connection of a refused upload,
    // and a pooled one could be reused just as it closes.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let post = |content_type: &str, body: Vec<u8>| {
        client
            .post(format!("{url}/predict"))
            .header("content-type", content_type)
            .body(body)
            .send()
    };

    let mut corrupt = image("chelsea.png");
    corrupt.truncate(corrupt.len() / 3);
    let (status, error) = status_and_error(post("image/png", corrupt).await.unwrap()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error.contains("cannot be read"), "{error}");

    let (status, error) = status_and_error(post("image/png", Vec::new()).await.unwrap()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error.contains("no image"), "{error}");

    // Over the limit by its Content-Length, the body is refused before it is read, and the
    // connection closed: a client still writing may see the close before the 413 (hyper does
    // not linger to drain the upload). Either way nothing was read; when the answer arrives,
    // it is the 413 with its message.
    match post("image/png", vec![0; 2 << 20]).await {
        Ok(response) => {
            let (status, error) = status_and_error(response).await;
            assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
            assert!(error.contains("1048576 bytes"), "{error}");
        }
        Err(error) => assert!(error.is_request(), "{error}"),
    }

    let (status, error) =
        status_and_error(post("text/plain", b"a cat".to_vec()).await.unwrap()).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(error.contains("text/plain"), "{error}");

    // A multipart form without a file.
    let form = Form::new().text("note", "no file here");
    let response = client
        .post(format!("{url}/predict"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let (status, error) = status_and_error(response).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error.contains("no image"), "{error}");

    // Still serving.
    let response = post("image/jpeg", image("rocket.jpg")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let health: serde_json::Value = client
        .get(format!("{url}/health"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["images"], 1);
    let metadata: serde_json::Value = client
        .get(format!("{url}/metadata"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(metadata["model"], "MobileViT_XXS");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overloaded_service_answers_503_and_recovers() {
    // One waiting slot and one image per forward pass: a burst must overflow.
    let options = ServeOptions {
        policy: BatchPolicy {
            max_batch: 1,
            batch_wait: Duration::ZERO,
            queue: 1,
        },
        ..ServeOptions::default()
    };
    let url = start(options).await;
    let client = reqwest::Client::new();
    let body = image("chelsea.png");
    let mut requests = tokio::task::JoinSet::new();
    for _ in 0..40 {
        let (client, url, body) = (client.clone(), url.clone(), body.clone());
        requests.spawn(async move {
            let response = client
                .post(format!("{url}/predict"))
                .header("content-type", "image/png")
                .body(body)
                .send()
                .await
                .unwrap();
            let retry_after = response.headers().get("retry-after").cloned();
            (response.status(), retry_after)
        });
    }
    let (mut ok, mut busy) = (0, 0);
    while let Some(result) = requests.join_next().await {
        match result.unwrap() {
            (StatusCode::OK, _) => ok += 1,
            (StatusCode::SERVICE_UNAVAILABLE, retry_after) => {
                assert!(retry_after.is_some(), "503 without Retry-After");
                busy += 1
            }
            (other, _) => panic!("unexpected status {other}"),
        }
    }
    assert!(ok > 0 && busy > 0, "{ok} answered, {busy} refused");
    let response = client
        .post(format!("{url}/predict"))
        .header("content-type", "image/png")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "the service did not recover"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_is_json_bad_queries_unknown_paths_and_methods_included() {
    let url = start(ServeOptions::default()).await;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let predict = |query: &str| {
        client
            .post(format!("{url}/predict{query}"))
            .header("content-type", "image/png")
            .body(image("chelsea.png"))
            .send()
    };
    let (status, error) = status_and_error(predict("?topk=abc").await.unwrap()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        error.contains("bad query") && error.contains("topk"),
        "{error}"
    );
    for topk in ["0", "1001"] {
        let (status, error) =
            status_and_error(predict(&format!("?topk={topk}")).await.unwrap()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "topk={topk}");
        assert!(error.contains("from 1 to 1000"), "{error}");
    }
    let response = predict("?topk=1000").await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["topk"].as_array().unwrap().len(), 1000);

    let response = client.get(format!("{url}/nowhere")).send().await.unwrap();
    let (status, error) = status_and_error(response).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(error.contains("no route /nowhere"), "{error}");
    let response = client.get(format!("{url}/predict")).send().await.unwrap();
    let (status, error) = status_and_error(response).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(error.contains("GET is not allowed on /predict"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_and_its_files_are_served_from_the_binary() {
    let url = start(ServeOptions::default()).await;
    let client = reqwest::Client::new();
    let get = |path: &'static str| client.get(format!("{url}{path}")).send();
    let page = get("/").await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    let html = page.text().await.unwrap();
    for needed in [
        r#"<input id="image" type="file""#,
        r#"id="predictions""#,
        r#"id="error""#,
        "./page.js",
        "./engine.js",
    ] {
        assert!(html.contains(needed), "the page lacks {needed}");
    }
    // Nothing from elsewhere: every script and style comes from this server.
    assert!(!html.contains("http://") && !html.contains("https://"));
    for (path, content_type, needed) in [
        (
            "/page.js",
            "text/javascript; charset=utf-8",
            "export async function startPage",
        ),
        (
            "/engine.js",
            "text/javascript; charset=utf-8",
            r#"fetch("metadata")"#,
        ),
        ("/page.css", "text/css; charset=utf-8", "#predictions"),
    ] {
        let response = get(path).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(response.headers()["content-type"], content_type, "{path}");
        assert!(response.text().await.unwrap().contains(needed), "{path}");
    }
    let (status, error) = status_and_error(get("/index.php").await.unwrap()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(error.contains("GET / (the page)"), "{error}");
}
