"""FIX 4.4 connectivity: put any in-process venue behind a quickfix acceptor, reach it from the
OMS through a quickfix initiator that implements the `Venue` port, and collect drop copies."""
