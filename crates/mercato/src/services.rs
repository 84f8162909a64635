//! The services this binary can run, and in which order the supervisor starts them.

use std::process::ExitCode;

/// A service the platform runs.
#[derive(Debug, Clone, Copy)]
pub struct ServiceSpec {
    /// Its name.
    pub name: &'static str,
    /// Whether it is the public edge (fixed public port, shared by its replicas).
    pub edge: bool,
    /// Whether it has a database.
    pub stateful: bool,
}

/// Every service, in start order: owners of data first, the edge last.
pub const SERVICES: &[ServiceSpec] = &[
    ServiceSpec { name: identity::SERVICE, edge: false, stateful: true },
    ServiceSpec { name: catalog::SERVICE, edge: false, stateful: true },
    ServiceSpec { name: pricing::SERVICE, edge: false, stateful: true },
    ServiceSpec { name: inventory::SERVICE, edge: false, stateful: true },
    ServiceSpec { name: payments::SERVICE, edge: false, stateful: true },
    ServiceSpec { name: cart::SERVICE, edge: false, stateful: true },
    ServiceSpec { name: orders::SERVICE, edge: false, stateful: true },
    ServiceSpec { name: notifications::SERVICE, edge: false, stateful: true },
    ServiceSpec { name: search::SERVICE, edge: false, stateful: true },
    ServiceSpec { name: recommendations::SERVICE, edge: false, stateful: true },
    ServiceSpec { name: storefront::SERVICE, edge: false, stateful: false },
    ServiceSpec { name: console::SERVICE, edge: false, stateful: false },
    ServiceSpec { name: gateway::SERVICE, edge: true, stateful: false },
];

/// Whether `name` is a service.
pub fn exists(name: &str) -> bool {
    SERVICES.iter().any(|s| s.name == name)
}

/// All service names.
pub fn names() -> Vec<&'static str> {
    SERVICES.iter().map(|s| s.name).collect()
}

/// Runs service `name` in this process until it is stopped.
pub fn run(name: &str) -> ExitCode {
    match name {
        identity::SERVICE => runtime::run(identity::SERVICE, identity::build),
        catalog::SERVICE => runtime::run(catalog::SERVICE, catalog::build),
        pricing::SERVICE => runtime::run(pricing::SERVICE, pricing::build),
        inventory::SERVICE => runtime::run(inventory::SERVICE, inventory::build),
        payments::SERVICE => runtime::run(payments::SERVICE, payments::build),
        cart::SERVICE => runtime::run(cart::SERVICE, cart::build),
        orders::SERVICE => runtime::run(orders::SERVICE, orders::build),
        notifications::SERVICE => runtime::run(notifications::SERVICE, notifications::build),
        search::SERVICE => runtime::run(search::SERVICE, search::build),
        recommendations::SERVICE => runtime::run(recommendations::SERVICE, recommendations::build),
        storefront::SERVICE => runtime::run(storefront::SERVICE, storefront::build),
        console::SERVICE => runtime::run(console::SERVICE, console::build),
        gateway::SERVICE => runtime::run(gateway::SERVICE, gateway::build),
        other => {
            eprintln!("mercato: no service named `{other}` (known: {})", names().join(", "));
            ExitCode::from(2)
        }
    }
}
