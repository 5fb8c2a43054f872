//! Campaign benchmark (issue 8's targets): a DSMM campaign to 500 generated operators is
//! created in < 2 s and its aggregated report renders in < 1 s. Requests go through the
//! router (`oneshot`, no network) with an API token, on SQLite in a temporary data dir, or on
//! PostgreSQL when `SHUAN_BENCH_POSTGRES` holds a URL (the schema must be empty).
//!
//! ```sh
//! cargo run --release -p shuan-server --example campaign_bench [OPERATORS]
//! ```

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use shuan_server::assessment::{self, AnswerInput};
use shuan_server::auth::{OrgKind, Role, token_digest};
use shuan_server::{AppState, Config, service};
use tower::ServiceExt;

const DSMM: &str = "gbt-37988-2019-dsmm";

async fn timed(router: &axum::Router, request: Request<Body>) -> (Duration, usize) {
    let started = Instant::now();
    let response = router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (started.elapsed(), bytes.len())
}

fn get(path: &str, token: &str) -> Request<Body> {
    Request::get(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap()
}

#[tokio::main]
async fn main() {
    let operators: usize = std::env::args()
        .nth(1)
        .map_or(500, |n| n.parse().expect("a number of operators"));
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: dir.path().to_owned(),
        database_url: std::env::var("SHUAN_BENCH_POSTGRES").ok(),
        argon2_memory_kib: 256,
        argon2_iterations: 1,
        ..Config::default()
    };
    let state = AppState::open(config).await.unwrap();
    let repo = &state.repo;
    let regulator = repo
        .create_organisation("基准监管局", OrgKind::Regulator, None, "天津", "互联网")
        .await
        .unwrap();
    let hash = state.hasher.hash("benchmark password").unwrap();
    let staff = repo
        .create_user(
            regulator,
            "bench_regulator",
            "监管人员",
            Role::RegulatorStaff,
            &hash,
        )
        .await
        .unwrap();
    let token = shuan_server::random_token();
    repo.create_api_token(staff, "bench", &token_digest(&token))
        .await
        .unwrap();
    let mut officers = Vec::with_capacity(operators);
    for n in 0..operators {
        let org = repo
            .create_organisation(
                &format!("运营者{n:04}"),
                OrgKind::Operator,
                Some(regulator),
                "天津",
                "互联网",
            )
            .await
            .unwrap();
        officers.push(
            repo.create_user(
                org,
                &format!("officer{n:04}"),
                "负责人",
                Role::SecurityOfficer,
                &hash,
            )
            .await
            .unwrap(),
        );
    }
    let router = shuan_server::web::router(state.clone());

    let body = serde_json::json!({"title": "DSMM 基准", "library": DSMM, "deadline": shuan_server::now() + 86_400});
    let started = Instant::now();
    let response = router
        .clone()
        .oneshot(
            Request::post("/api/v1/campaigns")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await
        .unwrap();
    let create = started.elapsed();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let campaign = serde_json::from_slice::<serde_json::Value>(&bytes).unwrap()["id"]
        .as_i64()
        .unwrap();
    println!(
        "create campaign to {operators} operators: {:.0} ms",
        create.as_secs_f64() * 1e3
    );

    // Every operator answers all 30 process areas (levels spread over 1..5).
    let areas: Vec<String> = (1..=30)
        .map(|n| format!("urn:shuan:risk:req_node:{DSMM}:pa{n:02}"))
        .collect();
    for (n, officer) in officers.iter().enumerate() {
        let actor = service::actor(&state, *officer).await.unwrap();
        let id = assessment::assessments(&state, &actor).await.unwrap()[0].id;
        let answers: Vec<AnswerInput> = areas
            .iter()
            .enumerate()
            .map(|(area, urn)| AnswerInput {
                requirement_urn: urn.clone(),
                answer: format!("level:{}", 1 + (n * 7 + area * 3) % 5),
                comment: String::new(),
            })
            .collect();
        assessment::save_answers(&state, &actor, id, &answers)
            .await
            .unwrap();
    }

    for (what, path) in [
        (
            "report page (HTML heatmap)",
            format!("/assessments/campaigns/{campaign}"),
        ),
        (
            "report API (JSON)",
            format!("/api/v1/campaigns/{campaign}/report"),
        ),
        (
            "report CSV",
            format!("/assessments/campaigns/{campaign}/report.csv"),
        ),
    ] {
        let mut times = Vec::new();
        let mut size = 0;
        for _ in 0..10 {
            let (elapsed, bytes) = timed(&router, get(&path, &token)).await;
            times.push(elapsed);
            size = bytes;
        }
        times.sort();
        println!(
            "{what}: median {:.0} ms, max {:.0} ms over 10 runs ({} KiB)",
            times[5].as_secs_f64() * 1e3,
            times[9].as_secs_f64() * 1e3,
            size / 1024
        );
    }
}
