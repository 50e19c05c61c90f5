#[path = "generated/routes.rs"]
pub mod route_table;
pub mod routes;
