"""动态监测: monitoring — proactive discovery now; warning rules, alerts and work orders follow."""
