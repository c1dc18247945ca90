"""Market data, pure: ticks and their validation, candles, NBBO, LULD bands, halts, alerts.

Prices inside are integer ticks of $0.0001 and sizes integer units of 1e-9 share (the same
grid as the simulated exchange), so the hot path never builds a Decimal; Decimal appears only
at the edges (`to_price`, `to_quantity`). Times are integer microseconds since the Unix epoch.
"""
