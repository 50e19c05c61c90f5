//! The service groups of the API, as [`Crisp`] hands them out:
//! `client.website()`, `.plugin()`, `.plan()`, `.media()` and `.bucket()`,
//! each behind the cargo feature of the same name.

use crate::client::Crisp;

impl Crisp {
    /// The endpoints of the `website` group.
    ///
    /// ```no_run
    /// # async fn run(client: crisp_api::Crisp) -> crisp_api::Result<()> {
    /// let website = client.website().get_website("website-id").await?;
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "website")]
    pub fn website(&self) -> crate::generated::website::WebsiteService {
        crate::generated::website::WebsiteService { client: self.clone() }
    }

    /// The endpoints of the `plugin` group.
    ///
    /// ```no_run
    /// # async fn run(client: crisp_api::Crisp) -> crisp_api::Result<()> {
    /// let account = client.plugin().get_connect_account().await?;
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "plugin")]
    pub fn plugin(&self) -> crate::generated::plugin::PluginService {
        crate::generated::plugin::PluginService { client: self.clone() }
    }

    /// The endpoints of the `plan` group.
    ///
    /// ```no_run
    /// # async fn run(client: crisp_api::Crisp) -> crisp_api::Result<()> {
    /// let plans = client.plan().list_all_active_plan_subscriptions().await?;
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "plan")]
    pub fn plan(&self) -> crate::generated::plan::PlanService {
        crate::generated::plan::PlanService { client: self.clone() }
    }

    /// The endpoints of the `media` group.
    ///
    /// ```no_run
    /// # async fn run(client: crisp_api::Crisp) -> crisp_api::Result<()> {
    /// let medias = client.media().list_animation_medias(1, "list-id").await?;
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "media")]
    pub fn media(&self) -> crate::generated::media::MediaService {
        crate::generated::media::MediaService { client: self.clone() }
    }

    /// The endpoints of the `bucket` group.
    ///
    /// ```no_run
    /// # async fn run(client: crisp_api::Crisp) -> crisp_api::Result<()> {
    /// let request = crisp_api::models::BucketURLRequest::default();
    /// client.bucket().generate_bucket_url(request).await?;
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "bucket")]
    pub fn bucket(&self) -> crate::generated::bucket::BucketService {
        crate::generated::bucket::BucketService { client: self.clone() }
    }
}
