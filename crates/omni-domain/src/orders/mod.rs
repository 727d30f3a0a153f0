//! Orders: carts that follow the customer across devices, delivery promises and the
//! sourcing that backs them, the order lifecycle as an explicit state machine, and returns
//! that refund exactly what was paid. Pure: the store and the HTTP adapter call in.

mod cart;
mod delivery;
mod lifecycle;
mod order;
mod payment;
mod returns;
mod sourcing;

#[cfg(test)]
mod tests;

pub use cart::*;
pub use delivery::*;
pub use lifecycle::*;
pub use order::*;
pub use payment::*;
pub use returns::*;
pub use sourcing::*;

omni_kernel::define_id!(
    /// A shopping cart.
    CartId, "crt"
);
omni_kernel::define_id!(
    /// A return of goods from an order.
    ReturnId, "ret"
);
