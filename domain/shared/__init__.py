"""What the aggregates share: one definition each, used by the case, its payment
arrangements, its migration and an IPR."""
