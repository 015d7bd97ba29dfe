"""Use cases: the business rules and the transaction around each of them."""
