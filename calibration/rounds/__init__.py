"""Pilot and calibration rounds: quiz sampling, overlap designs, and the service the app and CLI call.

Modules: `service` (the one entry point: re-exports the functions of the other modules),
`importing` (the one writer of imported answers), `status` (``round_responses -> RoundResponses``).
"""
