"""Case work (个案核查): work orders from alerts to approved decisions, the conflict-of-interest
register, and the lists and dashboard figures of a jurisdiction. See `orders` for the flow."""
