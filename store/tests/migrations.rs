//! Migrations apply once, are idempotent, can be run by several processes at once, and
//! readiness tells a migrated database from one that is not.

use lyre_store::testing::{TestBackend, TestDb};
use lyre_store::{DbOptions, connect, is_migrated, migrate, migration::versions};

async fn concurrent_migrations(backend: TestBackend) {
    let Some(t) = TestDb::empty(backend).await else {
        return;
    };
    assert!(!is_migrated(&t.db).await);
    // Four independent pools, as four replicas starting at once would have.
    let mut pools = Vec::new();
    for _ in 0..4 {
        pools.push(
            connect(&DbOptions::new(t.url.clone()))
                .await
                .expect("connect"),
        );
    }
    let runs = pools.iter().map(migrate);
    let applied: Vec<usize> = futures_join(runs).await;
    assert_eq!(
        applied.iter().sum::<usize>(),
        versions().len(),
        "exactly one run applied the migrations: {applied:?}"
    );
    assert!(is_migrated(&t.db).await);
    assert_eq!(
        migrate(&t.db).await.expect("migrate again"),
        0,
        "idempotent"
    );
    for pool in pools {
        let _ = pool.close().await;
    }
}

/// Runs the futures concurrently on the runtime and collects their results in order.
async fn futures_join<F>(futures: impl Iterator<Item = F>) -> Vec<usize>
where
    F: std::future::Future<Output = Result<usize, lyre_store::sea_orm::DbErr>>,
{
    let mut results = Vec::new();
    let pinned: Vec<_> = futures.map(Box::pin).collect();
    let mut pending: Vec<_> = pinned.into_iter().map(Some).collect();
    // A small join-all without extra dependencies: poll each until all finish.
    std::future::poll_fn(|cx| {
        let mut all_done = true;
        for slot in &mut pending {
            if let Some(fut) = slot {
                match fut.as_mut().poll(cx) {
                    std::task::Poll::Ready(r) => {
                        results.push(r.expect("migrate"));
                        *slot = None;
                    }
                    std::task::Poll::Pending => all_done = false,
                }
            }
        }
        if all_done {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    results
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_migrates_once_under_concurrency() {
    concurrent_migrations(TestBackend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_migrates_once_under_concurrency() {
    concurrent_migrations(TestBackend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_migrates_once_under_concurrency() {
    concurrent_migrations(TestBackend::MySql).await;
}
