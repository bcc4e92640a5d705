//! Pages of long lists.

use sea_orm::{ConnectionTrait, DbErr, EntityTrait, FromQueryResult, PaginatorTrait, Select};

/// Which page of a list to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PageRequest {
    /// From 0.
    pub page: u64,
    /// Entries per page, at least 1.
    pub size: u64,
}

impl PageRequest {
    /// The largest page size served.
    pub const MAX_SIZE: u64 = 500;

    /// Page `page` of `size` entries, the size kept between 1 and [`Self::MAX_SIZE`].
    pub fn new(page: u64, size: u64) -> Self {
        Self {
            page,
            size: size.clamp(1, Self::MAX_SIZE),
        }
    }
}

/// The entries of one page and how many there are in all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Paged<T> {
    /// This page's entries.
    pub items: Vec<T>,
    /// The number of entries of the whole list.
    pub total: u64,
}

/// Reads one page of `select`.
pub async fn fetch<E, M>(
    db: &impl ConnectionTrait,
    select: Select<E>,
    request: PageRequest,
) -> Result<Paged<M>, DbErr>
where
    E: EntityTrait<Model = M>,
    M: FromQueryResult + Sized + Send + Sync,
{
    let paginator = select.paginate(db, request.size);
    let total = paginator.num_items().await?;
    // A page past the end is empty; asking for it never computes an offset that overflows.
    if request.page.saturating_mul(request.size) >= total {
        return Ok(Paged {
            items: Vec::new(),
            total,
        });
    }
    let items = paginator.fetch_page(request.page).await?;
    Ok(Paged { items, total })
}
